import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLLocalDate } from 'graphql-scalars';
import type { GraphQLScalarType } from 'graphql';
import { connectionType } from '../../platform/graphql/pagination.js';
import { ENTITIES, ENTITY_TYPES, type EntityDef, type EntityType, type FieldDef } from './records.catalog.js';
import type { RecordRow } from './records.service.js';

/**
 * The GraphQL types of the platform records, made from the catalog so that the API, imports,
 * templates and exports can never disagree about a field. type-graphql's decorators are
 * applied as functions here, one class per entity, with explicit type functions throughout.
 */

/** GraphQL names of each entity: type, list query, single query, upsert mutation. */
export const GRAPHQL_NAMES: Readonly<Record<EntityType, { type: string; list: string; one: string }>> = {
  vendors: { type: 'Vendor', list: 'vendors', one: 'vendor' },
  cost_codes: { type: 'CostCode', list: 'costCodes', one: 'costCode' },
  budget_line_items: { type: 'BudgetLineItem', list: 'budgetLineItems', one: 'budgetLineItem' },
  invoices: { type: 'Invoice', list: 'invoices', one: 'invoice' },
  payments: { type: 'Payment', list: 'payments', one: 'payment' },
  schedule_tasks: { type: 'ScheduleTask', list: 'scheduleTasks', one: 'scheduleTask' },
  task_dependencies: { type: 'TaskDependency', list: 'taskDependencies', one: 'taskDependency' },
  schedule_calendars: { type: 'ScheduleCalendar', list: 'scheduleCalendars', one: 'scheduleCalendar' },
  schedule_resources: { type: 'ScheduleResource', list: 'scheduleResources', one: 'scheduleResource' },
  schedule_assignments: { type: 'ScheduleAssignment', list: 'scheduleAssignments', one: 'scheduleAssignment' },
  contacts: { type: 'Contact', list: 'contacts', one: 'contact' },
};

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function enumFor(entity: EntityDef, field: FieldDef): object {
  const values = Object.fromEntries((field.values ?? []).map((v) => [v.toUpperCase(), v]));
  registerEnumType(values, { name: `${GRAPHQL_NAMES[entity.type].type}${capitalize(field.key)}`, description: field.description });
  return values;
}

function graphqlTypeOf(entity: EntityDef, field: FieldDef, enums: Map<string, object>): GraphQLScalarType | object | typeof String {
  switch (field.type) {
    case 'integer':
      return Int;
    case 'date':
      return GraphQLLocalDate;
    case 'boolean':
      return Boolean;
    case 'enum': {
      let e = enums.get(field.key);
      if (!e) {
        e = enumFor(entity, field);
        enums.set(field.key, e);
      }
      return e;
    }
    // Decimal amounts travel as strings ("12500.10"): no float ever touches money.
    case 'money':
    case 'decimal':
    case 'string':
    case 'text':
    case 'email':
    case 'currency':
      return String;
    default: {
      const unreachable: never = field.type;
      return unreachable;
    }
  }
}

function describe(field: FieldDef): string {
  const extra = field.type === 'money' || field.type === 'decimal' ? ' Decimal as a string, e.g. "12500.10".' : '';
  return `${field.description}${extra}`;
}

export interface RecordGraphQLTypes {
  object: new () => object;
  input: new () => object;
  connection: new () => object;
}

function build(entity: EntityDef): RecordGraphQLTypes {
  const names = GRAPHQL_NAMES[entity.type];
  const enums = new Map<string, object>();

  class RecordObject {}
  Object.defineProperty(RecordObject, 'name', { value: names.type });
  Field(() => ID)(RecordObject.prototype, 'id');
  Field(() => String, { nullable: true, description: 'Identifier in the system the record came from.' })(RecordObject.prototype, 'originId');
  if (entity.projectScoped) Field(() => ID)(RecordObject.prototype, 'projectId');
  for (const field of entity.fields) {
    if (field.key === 'originId') continue;
    const type = graphqlTypeOf(entity, field, enums);
    Field(() => type, { nullable: !field.required, description: describe(field) })(RecordObject.prototype, field.key);
  }
  Field(() => GraphQLDateTime)(RecordObject.prototype, 'createdAt');
  Field(() => GraphQLDateTime)(RecordObject.prototype, 'updatedAt');
  ObjectType(names.type, { description: `A ${entity.label}.` })(RecordObject);

  class RecordInput {}
  Object.defineProperty(RecordInput, 'name', { value: `${names.type}Input` });
  for (const field of entity.fields) {
    const type = graphqlTypeOf(entity, field, enums);
    // Every input field is optional in the schema: the validation engine names what is missing,
    // per record, instead of GraphQL refusing the whole batch.
    Field(() => type, { nullable: true, description: describe(field) })(RecordInput.prototype, field.key);
  }
  if (!entity.fields.some((f) => f.key === 'originId')) {
    Field(() => String, { nullable: true, description: 'Identifier in the system the record comes from.' })(RecordInput.prototype, 'originId');
  }
  InputType(`${names.type}Input`)(RecordInput);

  const RecordConnection = connectionType(RecordObject, `${names.type}Connection`);

  return { object: RecordObject, input: RecordInput, connection: RecordConnection };
}

export const RECORD_GRAPHQL_TYPES: Readonly<Record<EntityType, RecordGraphQLTypes>> = Object.fromEntries(
  ENTITY_TYPES.map((type) => [type, build(ENTITIES[type])]),
) as Record<EntityType, RecordGraphQLTypes>;

/** A row as its GraphQL object: ids as strings. */
export function toRecordObject(row: RecordRow): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row, id: String(row.id) };
  if (typeof row['projectId'] === 'number') out['projectId'] = String(row['projectId']);
  return out;
}
