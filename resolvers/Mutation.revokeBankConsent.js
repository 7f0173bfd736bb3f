/**
 * Mutation.revokeBankConsent: revokes one of the signed-in customer's consents in the user
 * service. Another customer's consent is NotFound; one already revoked, rejected or expired is
 * InvalidState. An id no consent can have (empty, over 128 characters, not valid Unicode) is a
 * ValidationError naming `id`, and the user service is not called.
 */
import { util } from '@aws-appsync/utils';

// An id has 1 to 128 characters of valid Unicode text, the limit every service keeps
// (services/shared/ids.py). Anything else names no record, so it is refused here and never put
// into a URL (a lone surrogate cannot be encoded, a huge one cannot be sent).
const ID_MAX_CHARS = 128;

function isPossibleId(value) {
  // A character takes at most two UTF-16 code units: this bounds the loop below.
  if (typeof value !== 'string' || value.length === 0 || value.length > 2 * ID_MAX_CHARS) {
    return false;
  }
  let characters = 0;
  for (const character of value) {
    const code = character.codePointAt(0);
    if (code >= 0xd800 && code <= 0xdfff) {
      return false;
    }
    characters += 1;
  }
  return characters <= ID_MAX_CHARS;
}

// One path segment: util.urlEncode is form encoding, whose '+' for a space a path would keep as
// a plus ('+' itself comes out as %2B). It leaves '.' alone, and a segment of exactly '.' or '..'
// is a dot segment that URL resolution removes (RFC 3986 §5.2.4), naming another resource.
function pathSegment(value) {
  const segment = util.urlEncode(value).split('+').join('%20');
  return segment === '.' || segment === '..' ? segment.split('.').join('%2E') : segment;
}

export function request(ctx) {
  if (!isPossibleId(ctx.args.id)) {
    util.error(
      `id must be 1 to ${ID_MAX_CHARS} characters of valid Unicode text`,
      'ValidationError',
      null,
      { field: 'id' },
    );
  }
  return {
    method: 'POST',
    resourcePath: `/customers/me/bank-consents/${pathSegment(ctx.args.id)}/revoke`,
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
