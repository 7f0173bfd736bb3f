import { generateClient } from "aws-amplify/api";
import { fetchAuthSession } from "aws-amplify/auth";
import type { TypedDocumentString } from "./graphql/generated/graphql";

const client = generateClient();

/** An error the API answered (errorType as in docs/api.md), or none at all (a lost connection). */
export class ApiError extends Error {
  readonly errorType: string;
  readonly errorInfo: Record<string, unknown>;

  constructor(message: string, errorType: string, errorInfo: Record<string, unknown> = {}) {
    super(message);
    this.errorType = errorType;
    this.errorInfo = errorInfo;
  }
}

interface GraphQLErrorShape {
  message?: string;
  errorType?: string;
  errorInfo?: Record<string, unknown> | null;
}

function toApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  const errors = (thrown as { errors?: GraphQLErrorShape[] } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const first = errors[0];
    // Amplify reports a failed fetch as a GraphQL error without errorType.
    const network = !first.errorType && /network|fetch|failed to fetch/i.test(first.message ?? "");
    return new ApiError(
      first.message ?? "The request failed.",
      network ? "Network" : (first.errorType ?? "Unknown"),
      first.errorInfo ?? {},
    );
  }
  if (thrown instanceof Error && /auth|token|signed in/i.test(thrown.name + thrown.message)) {
    return new ApiError(thrown.message, "UnauthorizedException");
  }
  return new ApiError(thrown instanceof Error ? thrown.message : String(thrown), "Network");
}

/** The ID token rather than Amplify's default access token: the profile's email comes from the
 * token (registerCustomer), and only the ID token carries it. */
async function idTokenHeader(): Promise<Record<string, string>> {
  const { tokens } = await fetchAuthSession();
  const idToken = tokens?.idToken?.toString();
  if (!idToken) throw new ApiError("Not signed in.", "UnauthorizedException");
  return { Authorization: idToken };
}

/** Runs a typed query or mutation as the signed-in shopper; throws ApiError. */
export async function run<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
  if (typeof navigator !== "undefined" && navigator.onLine === false) {
    throw new ApiError("You appear to be offline.", "Network");
  }
  try {
    const result = (await client.graphql(
      { query: document.toString(), variables: variables as Record<string, unknown> },
      await idTokenHeader(),
    )) as { data?: R; errors?: GraphQLErrorShape[] };
    if (result.errors?.length) throw result;
    if (!result.data) throw new ApiError("The API answered nothing.", "Unknown");
    return result.data;
  } catch (thrown) {
    throw toApiError(thrown);
  }
}

interface Subscription {
  unsubscribe(): void;
}

/** Subscribes over AppSync real-time (wss); `onError` hears a dropped connection. */
export function subscribe<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  onData: (data: R) => void,
  onError: (error: ApiError) => void,
): Subscription {
  const observable = client.graphql({
    query: document.toString(),
    variables: variables as Record<string, unknown>,
  }) as unknown as {
    subscribe(observer: {
      next: (message: { data?: R }) => void;
      error: (error: unknown) => void;
    }): Subscription;
  };
  return observable.subscribe({
    next: (message) => {
      if (message.data) onData(message.data);
    },
    error: (error) => onError(toApiError(error)),
  });
}
