import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSONObject } from 'graphql-scalars';
import { connectionType, type Connection } from '../../platform/graphql/pagination.js';
import type { ExportJobRow } from './export-jobs.table.js';

export enum ExportFormatEnum {
  CSV = 'csv',
  XLSX = 'xlsx',
  JSON = 'json',
  NDJSON = 'ndjson',
  XML = 'xml',
}
registerEnumType(ExportFormatEnum, { name: 'ExportFormat' });

export enum ExportStatus {
  PENDING = 'pending',
  RUNNING = 'running',
  COMPLETED = 'completed',
  FAILED = 'failed',
}
registerEnumType(ExportStatus, { name: 'ExportStatus' });

@InputType()
export class ExportFiltersInput {
  @Field(() => String, { nullable: true })
  search?: string | null;

  @Field(() => [String], { nullable: true, description: 'At most 1000.' })
  originIds?: string[] | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  updatedSince?: Date | null;
}

@ObjectType({ description: 'A bulk export: a ZIP of the data file and manifest.json (files, rows, SHA-256, fields).' })
export class ExportJob {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Entity type, as in importTypes.' })
  entityType!: string;

  @Field(() => ID, { nullable: true })
  projectId!: string | null;

  @Field(() => ExportFormatEnum)
  format!: ExportFormatEnum;

  @Field(() => ExportStatus)
  status!: ExportStatus;

  @Field(() => Int, { nullable: true })
  rowCount!: number | null;

  @Field(() => Int, { nullable: true, description: 'Bytes of the ZIP.' })
  fileSize!: number | null;

  @Field(() => String, { nullable: true, description: 'SHA-256 of the ZIP.' })
  sha256!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The manifest, as in the ZIP.' })
  manifest!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true })
  completedAt!: Date | null;
}

export const ExportJobConnection = connectionType(ExportJob, 'ExportJobConnection');
export type ExportJobConnection = Connection<ExportJob>;

export function toExportJob(row: ExportJobRow): ExportJob {
  return {
    id: String(row.id),
    entityType: row.entityType,
    projectId: row.projectId === null ? null : String(row.projectId),
    format: row.format as ExportFormatEnum,
    status: row.status as ExportStatus,
    rowCount: row.rowCount,
    fileSize: row.fileSize,
    sha256: row.fileSha256,
    manifest: row.manifest ?? null,
    errorMessage: row.errorMessage,
    createdAt: row.createdAt,
    completedAt: row.completedAt,
  };
}
