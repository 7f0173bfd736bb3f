/**
 * Subscription.onCheckoutUpdated: who hears about a checkout. AppSync runs this resolver when a
 * client subscribes; its response handler sets the enhanced filter every update must pass, so
 * a subscriber receives only what it may see, whatever id it asks for:
 *
 * - a shopper (Cognito) receives the updates of that checkout addressed to them (`customerId`
 *   is their `sub`): their own decision, and the checkout once it is bound to them;
 * - a merchant (IAM) receives the updates of that checkout when it is theirs (`merchantId`).
 *
 * The credit proxy answers who the caller is: `{customerId}` for a shopper, straight from the
 * verified identity; `{merchantId}` for a merchant whose checkout it is, or `Unauthorized`.
 */
import { util, extensions } from '@aws-appsync/utils';

const SHOPPER = 'User Pool Authorization';
const MERCHANT = 'IAM Authorization';

export function request(ctx) {
  const mode = util.authType();
  if (mode !== SHOPPER && mode !== MERCHANT) {
    util.unauthorized();
  }
  // The direct-Lambda event the proxy's router reads, for this field.
  return {
    operation: 'Invoke',
    payload: {
      arguments: ctx.arguments,
      identity: ctx.identity,
      source: null,
      request: { headers: ctx.request.headers, domainName: null },
      info: {
        fieldName: 'onCheckoutUpdated',
        parentTypeName: 'Subscription',
        variables: {},
        selectionSetList: [],
        selectionSetGraphQL: '',
      },
      prev: null,
      stash: {},
    },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  const audience = ctx.result || {};
  const filter = { id: { eq: ctx.args.id } };
  if (util.authType() === SHOPPER && audience.customerId) {
    filter.customerId = { eq: audience.customerId };
  } else if (util.authType() === MERCHANT && audience.merchantId) {
    filter.merchantId = { eq: audience.merchantId };
  } else {
    util.unauthorized();
  }
  extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(filter));
  return null;
}
