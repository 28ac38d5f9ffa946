import { Navigate, type RouteObject } from 'react-router';
import { paths } from '../config/paths';
import { RouteError } from '../components/route-error';
import { RootLayout } from './root-layout';
import { CharacterRoute } from './routes/character';
import { CharactersRoute } from './routes/characters';
import { GalleryRoute } from './routes/gallery';
import { GenerateRoute } from './routes/generate';
import { NotFoundRoute } from './routes/not-found';
import { SystemRoute } from './routes/system';
import { TrainingRoute } from './routes/training';
import { VideoRoute } from './routes/video';

export const routes: RouteObject[] = [
  {
    path: paths.home,
    element: <RootLayout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to={paths.characters} replace /> },
      { path: paths.characters, element: <CharactersRoute /> },
      { path: `${paths.characters}/:id`, element: <CharacterRoute /> },
      { path: paths.train, element: <TrainingRoute /> },
      { path: paths.generate, element: <GenerateRoute /> },
      { path: paths.gallery, element: <GalleryRoute /> },
      { path: paths.video, element: <VideoRoute /> },
      { path: paths.system, element: <SystemRoute /> },
      { path: '*', element: <NotFoundRoute /> },
    ],
  },
];
