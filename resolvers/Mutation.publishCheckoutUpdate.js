/**
 * Mutation.publishCheckoutUpdate: the credit service announces a checkout's new state. A NONE
 * data source: the request's payload comes straight back as the result, and AppSync publishes
 * that result to the onCheckoutUpdated subscribers whose filter it passes.
 *
 * Only the credit service may publish. IAM is the first gate: only its roles are granted
 * appsync:GraphQL on this field (merchants' policies list the merchant fields alone). This
 * handler is the second: the caller must be a session of a role whose name ends in
 * `-checkout-publisher`, the names Terraform gives the credit service's task role and its
 * sweep's (and the local stack gives the credit service's identity).
 */
import { util } from '@aws-appsync/utils';

const PUBLISHER_ROLE_SUFFIX = '-checkout-publisher';

// arn:<partition>:sts::<account>:assumed-role/<role name>/<session name>
function isPublisher(identity) {
  if (!identity || typeof identity.userArn !== 'string') {
    return false;
  }
  const arn = identity.userArn.split(':');
  if (arn.length !== 6 || arn[0] !== 'arn' || arn[2] !== 'sts') {
    return false;
  }
  const resource = arn[5].split('/');
  return (
    resource.length === 3 &&
    resource[0] === 'assumed-role' &&
    resource[1].endsWith(PUBLISHER_ROLE_SUFFIX) &&
    resource[1].length > PUBLISHER_ROLE_SUFFIX.length
  );
}

export function request(ctx) {
  if (util.authType() !== 'IAM Authorization' || !isPublisher(ctx.identity)) {
    util.unauthorized();
  }
  return { payload: ctx.arguments.input };
}

export function response(ctx) {
  return ctx.result;
}
