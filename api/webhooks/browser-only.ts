import type { RequestHandler } from 'express';
import { HttpError } from '../errors';

/**
 * Webhooks are set from a logged-in browser only: a script's token that could point the instance's calls anywhere
 * would be a way to reach hosts the script itself cannot.
 */
export const webhooksFromBrowserOnly: RequestHandler = (req, _res, next) => {
  if (req.credential === 'token') {
    next(new HttpError(403, 'forbidden', 'API tokens cannot set webhooks: do that on the web page, logged in with the password'));
    return;
  }
  next();
};
