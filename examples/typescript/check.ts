// Compile-time checks that openapi-typescript types every alert body (no
// `unknown`). .ci/contract-tools.sh generates ./schema.d.ts beside a copy of
// this file (npx openapi-typescript openapi/partner-security-alerts.yaml -o
// schema.d.ts) and runs `tsc --noEmit --strict`; a wrong type is a compile error.
import type { paths } from "./schema";

type One = paths["/security/partner/securityAlerts/{partnerSecurityAlertId}"];
type List = paths["/security/partner/securityAlerts"];

type Get200 = One["get"]["responses"][200]["content"]["application/json"];
type Page = List["get"]["responses"][200]["content"]["application/json"];
type Item = Page["value"][number];
type Patched = One["patch"]["responses"][200]["content"]["application/json"];
type PatchBody = NonNullable<One["patch"]["requestBody"]>["content"]["application/json"];
type GraphError = One["get"]["responses"][404]["content"]["application/json"];

// true when T is unknown or any: such a body would be untyped.
type Untyped<T> = unknown extends T ? true : false;
export const typed: [Untyped<Get200>, Untyped<Page>, Untyped<Item>, Untyped<Patched>, Untyped<PatchBody>, Untyped<GraphError>] =
  [false, false, false, false, false, false];

// GET of one alert: a projection (every property optional, $select), typed.
export const got: Get200 = { "@odata.context": "https://graph.microsoft.com/beta/$metadata#security/partner/securityAlerts/$entity", id: "a", status: "active" };
// @ts-expect-error status is an enum
export const badStatus: Get200 = { status: "closed" };

// A page: value is an array of typed alerts.
export const page: Page = { value: [{ id: "a", severity: "high" }], "@odata.nextLink": "https://graph.microsoft.com/beta/security/partner/securityAlerts?$skip=1" };
// @ts-expect-error severity is an enum
export const badItem: Item = { severity: "critical" };

// The PATCH answer is a whole alert: its non-nullable properties are required.
export const whole: Patched = {
  id: "a", alertType: "t", confidenceLevel: "low", customerTenantId: "c", detectedDateTime: "2024-01-23T16:03:33.05Z",
  displayName: "d", severity: "low", status: "resolved", subscriptionId: "s", resolvedReason: "fraud",
};
// @ts-expect-error a whole alert needs its required properties
export const notWhole: Patched = { id: "a" };

// The PATCH body: status required, resolvedReason optional, nothing else.
export const body: PatchBody = { status: "resolved", resolvedReason: "fraud" };
// @ts-expect-error status is required
export const noStatus: PatchBody = { resolvedReason: "fraud" };
// @ts-expect-error displayName is not writable
export const readOnly: PatchBody = { status: "resolved", displayName: "x" };

// The Graph error envelope.
export const code: string = ({} as GraphError).error.code;
export const requestId: string = ({} as GraphError).error.innerError["request-id"];
