/**
 * Query.myBankConsents: the signed-in customer's open-banking consents from the user service,
 * newest first (an unregistered customer simply has none).
 */
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    method: 'GET',
    resourcePath: '/customers/me/bank-consents',
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
  const body = JSON.parse(ctx.result.body);
  if (ctx.result.statusCode !== 200) {
    util.error(body.message, body.error, null, body.details);
  }
  return body.items;
}
