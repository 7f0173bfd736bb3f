/**
 * Query.me: the signed-in customer's profile from the user service, or null before they
 * register. The caller's token travels in X-Forwarded-Authorization because, in AWS, AppSync
 * signs the call with SigV4 and so owns the Authorization header.
 */
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    method: 'GET',
    resourcePath: '/customers/me',
    params: {
      headers: {
        accept: 'application/json',
        'x-forwarded-authorization': ctx.request.headers.authorization,
      },
    },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, 'DependencyFailure');
  }
  if (ctx.result.statusCode === 404) {
    return null;
  }
  const body = JSON.parse(ctx.result.body);
  if (ctx.result.statusCode !== 200) {
    util.error(body.message, body.error, null, body.details);
  }
  return body;
}
