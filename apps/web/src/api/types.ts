// Short names for the generated API types the views use.
import type { components, paths } from "../../generated/api";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

export type Webhook = Json<paths["/api/v0/webhooks"]["post"]["responses"][201]>;
export type NewWebhook = NonNullable<paths["/api/v0/webhooks"]["post"]["requestBody"]>["content"]["application/json"];
export type SubscriptionType = NewWebhook["type"];
export type TestResult = Json<paths["/api/v0/webhooks/test"]["post"]["responses"][200]>;
export type WebhookSettings = Json<paths["/api/v0/webhooks/{id}/settings"]["get"]["responses"][200]>;
export type WebhookTestSent = Json<paths["/api/v0/webhooks/{id}/test"]["post"]["responses"][200]>;
export type Secret = Json<paths["/api/v0/webhooks/{id}/secret"]["get"]["responses"][200]>;
export type DeliveryPage = Json<paths["/api/v0/webhooks/{id}/deliveries"]["get"]["responses"][200]>;
export type Delivery = DeliveryPage["deliveries"][number];
export type DeliveryStatus = Delivery["status"];
export type DeliveryEventType = NonNullable<NonNullable<paths["/api/v0/webhooks/{id}/deliveries"]["get"]["parameters"]["query"]>["eventType"]>;
export type DeliveryDetail = Json<paths["/api/v0/webhooks/{id}/deliveries/{deliveryId}"]["get"]["responses"][200]>;
export type Attempt = Delivery["attempts"][number];
export type SessionInfo = Json<paths["/api/v0/session"]["get"]["responses"][200]>;
export type ErrorBody = components["schemas"]["ErrorBody"];
