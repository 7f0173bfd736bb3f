"""GraphQL validation as AppSync words it.

AppSync validates with graphql-java, whose messages differ from graphql-core's. This package runs
graphql-core's rules and rewrites what they report into graphql-java's (pre-i18n) wording, which
is what AppSync answers (appsync.md §3):

    Validation error of type <ValidationErrorType>: <description>[ @ '<field/path>']

The descriptions are graphql-java's rule templates (`graphql/validation/rules/*.java` and
`ArgumentValidationUtil`); AppSync responses quoting them: graphql/graphql-over-http#81
(FieldUndefined), aws-amplify/amplify-swift#854 (MissingFieldArgument), aws/aws-appsync-community
#273 (WrongType, missing required fields), awslabs/aws-mobile-appsync-sdk-js#554 (WrongType for
AWSJSON). The ` @ 'path'` suffix is the path of field names to the field concerned; errors outside
any field (unused variables, unknown variable types) have none. Rules whose graphql-java template
was not found keep graphql-core's message (listed in `rules._KEEP`).

`rules` is the entry point (an API's rule set, and validating a document with it); `translators`
maps each graphql-core rule's error to graphql-java's type and description; `wording` holds the
message template and graphql-java's printing of value literals; `document_map` finds where a
reported node sits (its enclosing fields and argument); `introspection` refuses `__schema` and
`__type` when introspection is disabled.

Variables are coerced during execution: see `appsync.variables`.
"""
