// The TypeScript recipe of docs/contract.md, run for real: .ci/contract-tools.sh
// compiles it beside the types openapi-typescript generates (./schema.d.ts)
// and runs it with node against an alertmock (ALERTMOCK_BASE_URL). Exits 1
// when an answer is not the one expected.
import createClient from "openapi-fetch";
import type { paths } from "./schema";

declare const process: { env: Record<string, string | undefined>; exitCode?: number };
const baseUrl = process.env.ALERTMOCK_BASE_URL ?? "https://graph.microsoft.com/beta";
const headers = { Authorization: `Bearer ${process.env.GRAPH_TOKEN ?? "opaque"}` };

// The recipe: Graph reads $select (and $orderby) as one comma-separated value.
const client = createClient<paths>({
  baseUrl,
  headers,
  querySerializer: { array: { style: "form", explode: false } },
});

async function main(): Promise<void> {
  const list = await client.GET("/security/partner/securityAlerts", {
    params: { query: { $filter: "status eq 'active'", $select: ["id", "status"], $top: 2, $count: true } },
  });
  if (!list.data) throw new Error(`list: ${list.response.status} ${JSON.stringify(list.error)}`);
  const first = list.data.value[0];
  if (!first?.id || first.status !== "active" || "severity" in first) throw new Error(`list: ${JSON.stringify(list.data)}`);

  const one = await client.GET("/security/partner/securityAlerts/{partnerSecurityAlertId}", {
    params: { path: { partnerSecurityAlertId: first.id }, query: { $select: ["id", "severity"] } },
  });
  if (!one.data || one.data.id !== first.id || one.data.severity === undefined) throw new Error(`get: ${one.response.status} ${JSON.stringify(one.error ?? one.data)}`);

  const updated = await client.PATCH("/security/partner/securityAlerts/{partnerSecurityAlertId}", {
    params: { path: { partnerSecurityAlertId: first.id } },
    body: { status: "resolved", resolvedReason: "fraud" },
  });
  if (!updated.data || updated.data.status !== "resolved" || updated.data.resolvedReason !== "fraud") throw new Error(`patch: ${updated.response.status} ${JSON.stringify(updated.error ?? updated.data)}`);

  // Without the querySerializer, openapi-fetch repeats $select (explode) and
  // the service refuses it: the line above is what makes the recipe work.
  const plain = createClient<paths>({ baseUrl, headers });
  const refused = await plain.GET("/security/partner/securityAlerts", { params: { query: { $select: ["id", "status"] } } });
  if (refused.response.status !== 400) throw new Error(`without querySerializer: ${refused.response.status}; want 400`);

  console.log(`openapi-fetch recipe: list ${list.response.status}, get ${one.response.status}, patch ${updated.response.status}, repeated $select ${refused.response.status}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
