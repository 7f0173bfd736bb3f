/**
 * Mutation.publishCheckoutUpdate: the credit service announces a checkout's new state. A NONE
 * data source: the request's payload comes straight back as the result, and AppSync publishes
 * that result to the onCheckoutUpdated subscribers whose `id` argument matches its id.
 */
export function request(ctx) {
  return { payload: ctx.arguments.input };
}

export function response(ctx) {
  return ctx.result;
}
