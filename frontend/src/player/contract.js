/**
 * The activity contract as the player uses it: activity/schema/event-v1.json, the same file the
 * API validates with, imported at build time (the `@activity-schema` alias in vite.config.js).
 */

import schema from "@activity-schema/event-v1.json";
import { schemaErrors } from "./schemaCheck.js";

/** The schema of one event, whether the file describes an event or the {events: [...]} batch. */
const eventSchema = (schema.properties && schema.properties.events && schema.properties.events.items) || schema;

export const EVENT_TYPES = Object.freeze([...((eventSchema.properties && eventSchema.properties.type && eventSchema.properties.type.enum) || [])]);

/** The contract's complaints about an event ([] when it is valid). */
export function eventErrors(event) {
  return schemaErrors(eventSchema, event, schema);
}
