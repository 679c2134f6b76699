// Sends graphql-js' standard introspection query, with every option on, as GraphiQL,
// Apollo, Relay and the code generators do, and builds a client schema from the answer.
// Usage: node introspect.mjs <graphql url>. Prints a JSON summary; exits 1 on failure.
import { buildClientSchema, getIntrospectionQuery, printSchema } from "graphql";

const url = process.argv[2];
const query = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});
const res = await fetch(url, {
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
  body: JSON.stringify({ query, operationName: "IntrospectionQuery" }),
});
const body = await res.json();
if (res.status !== 200 || body.errors) {
  console.log(JSON.stringify({ status: res.status, errors: body.errors }));
  process.exit(1);
}
const schema = buildClientSchema(body.data);
console.log(
  JSON.stringify({
    status: res.status,
    query: schema.getQueryType()?.name,
    mutation: schema.getMutationType()?.name,
    types: Object.keys(schema.getTypeMap()).length,
    sdlBytes: printSchema(schema).length,
    hasIncident: Boolean(schema.getType("Incident")),
  }),
);
