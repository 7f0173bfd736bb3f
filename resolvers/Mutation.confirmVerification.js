/**
 * Mutation.confirmVerification: checks the code of one of the signed-in customer's challenges;
 * the right code makes them VERIFIED and returns their profile. Errors keep the service's code
 * (ValidationError with remainingAttempts, ChallengeLocked, ChallengeExpired, ChallengeUsed,
 * NotFound) as errorType.
 */
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    method: 'POST',
    resourcePath: `/customers/me/verifications/${util.urlEncode(ctx.args.challengeId)}/confirm`,
    params: {
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'x-forwarded-authorization': ctx.request.headers.authorization,
      },
      body: JSON.stringify({ code: ctx.args.code }),
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
