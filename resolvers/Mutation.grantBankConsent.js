/**
 * Mutation.grantBankConsent: asks the user service for an open-banking consent, which has the
 * customer authorise it at their bank. The consent comes back AUTHORISED, or REJECTED when the
 * bank refuses; bad permissions or expiry give a ValidationError naming the field.
 */
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    method: 'POST',
    resourcePath: '/customers/me/bank-consents',
    params: {
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'x-forwarded-authorization': ctx.request.headers.authorization,
      },
      body: JSON.stringify(ctx.args.input),
    },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, 'DependencyFailure');
  }
  const body = JSON.parse(ctx.result.body);
  if (ctx.result.statusCode !== 201) {
    util.error(body.message, body.error, null, body.details);
  }
  return body;
}
