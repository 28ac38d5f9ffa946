import { lazy } from 'react';
import { Navigate, type RouteObject } from 'react-router';
import { paths } from '../config/paths';
import { RouteError } from '../components/route-error';
import { RootLayout } from './root-layout';

// Each page is its own chunk: the first page loads neither uPlot (training runs) nor the gallery.
const CharactersRoute = lazy(() => import('./routes/characters'));
const CharacterRoute = lazy(() => import('./routes/character'));
const TrainingRoute = lazy(() => import('./routes/training'));
const TrainingRunRoute = lazy(() => import('./routes/training-run'));
const RunsRoute = lazy(() => import('../features/training/components/runs-page'));
const LorasRoute = lazy(() => import('../features/loras/components/loras-page'));
const GenerateRoute = lazy(() => import('./routes/generate'));
const GalleryRoute = lazy(() => import('./routes/gallery'));
const CompareRoute = lazy(() => import('../features/compare/components/compare-page'));
const VideoRoute = lazy(() => import('./routes/video'));
const ModelsRoute = lazy(() => import('./routes/models'));
const SystemRoute = lazy(() => import('./routes/system'));
const NotFoundRoute = lazy(() => import('./routes/not-found'));

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
      { path: paths.trainings, element: <RunsRoute /> },
      { path: paths.trainingPattern, element: <TrainingRunRoute /> },
      { path: paths.generate, element: <GenerateRoute /> },
      { path: paths.gallery, element: <GalleryRoute /> },
      { path: paths.compare, element: <CompareRoute /> },
      { path: paths.video, element: <VideoRoute /> },
      { path: paths.loras, element: <LorasRoute /> },
      { path: paths.models, element: <ModelsRoute /> },
      { path: paths.system, element: <SystemRoute /> },
      { path: '*', element: <NotFoundRoute /> },
    ],
  },
];
