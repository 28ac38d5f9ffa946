import { createContext, useContext } from 'react';
import { browserEventSource, type EventSourceFactory } from './event-stream';

/** Which EventSource live updates use: the browser's, or a test's fake (jsdom has none). */
export const EventSourceContext = createContext<EventSourceFactory>(browserEventSource);

export const useEventSourceFactory = () => useContext(EventSourceContext);
