// Compile-time checks that @hey-api/openapi-ts types the alert and keeps the
// whole alert's required properties. .ci/contract-tools.sh generates ./hey/
// beside a copy of this file (npx @hey-api/openapi-ts -i
// openapi/partner-security-alerts.yaml -o hey) and runs `tsc --noEmit
// --strict`; a wrong type is a compile error.
import type {
  MicrosoftGraphPartnerSecurityPartnerSecurityAlertEntity as Entity,
  MicrosoftGraphPartnerSecurityPartnerSecurityAlertProjection as Projection,
  MicrosoftGraphPartnerSecurityPartnerSecurityAlertCollectionResponse as Page,
  MicrosoftGraphPartnerSecurityPartnerSecurityAlertUpdate as PatchBody,
  MicrosoftGraphODataErrorsODataError as GraphError,
} from "./hey/types.gen";

// true when T is unknown or any: such a type would be untyped.
type Untyped<T> = unknown extends T ? true : false;
export const typed: [Untyped<Entity>, Untyped<Entity["id"]>, Untyped<Entity["status"]>, Untyped<Projection>, Untyped<Page>, Untyped<PatchBody>, Untyped<GraphError>] =
  [false, false, false, false, false, false, false];

// A whole alert: its non-nullable properties are required keys, and typed.
export const whole: Entity = {
  id: "a", alertType: "t", confidenceLevel: "low", customerTenantId: "c", detectedDateTime: "2024-01-23T16:03:33.05Z",
  displayName: "d", severity: "low", status: "resolved", subscriptionId: "s", resolvedReason: "fraud",
};
// hey-api types a required property as the alert's optional one intersected
// with the required member's (T | undefined): the key must be there, and past
// a check its value is the property's type.
export const id: string | undefined = whole.id;
export const status: NonNullable<Entity["status"]> = "investigating";
// @ts-expect-error status is an enum
export const badEnum: NonNullable<Entity["status"]> = "closed";
export const tenant: string = whole.customerTenantId ?? "";
// @ts-expect-error a whole alert needs its required properties
export const notWhole: Entity = { id: "a" };
// @ts-expect-error status is an enum
export const badStatus: Entity = { ...whole, status: "closed" };

// A projection ($select): every property optional.
export const projection: Projection = { id: "a" };

// The PATCH body: status required.
export const body: PatchBody = { status: "resolved", resolvedReason: "fraud" };
// @ts-expect-error status is required
export const noStatus: PatchBody = { resolvedReason: "fraud" };
