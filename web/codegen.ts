import type { CodegenConfig } from "@graphql-codegen/cli";

// CODEGEN_OUT lets the drift test generate into a scratch folder and compare with the
// committed output.
const out = process.env.CODEGEN_OUT ?? "src/graphql/generated/";

const config: CodegenConfig = {
  schema: ["../schema/schema.graphql", "codegen/appsync.graphql"],
  documents: ["src/graphql/operations.graphql"],
  ignoreNoDocuments: false,
  generates: {
    [out]: {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        // Amplify's client takes the query as a string: no graphql-js at run time.
        documentMode: "string",
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: {
          AWSDate: "string",
          AWSTime: "string",
          AWSDateTime: "string",
          AWSTimestamp: "number",
          AWSEmail: "string",
          AWSJSON: "string",
          AWSURL: "string",
          AWSPhone: "string",
          AWSIPAddress: "string",
        },
      },
    },
  },
};

export default config;
