/**
 * Mutation.revokeBankConsent: revokes one of the signed-in customer's consents in the user
 * service. Another customer's consent is NotFound; one already revoked, rejected or expired is
 * InvalidState.
 */
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    method: 'DELETE',
    resourcePath: `/customers/me/bank-consents/${util.urlEncode(ctx.args.id)}`,
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
  return body;
}
