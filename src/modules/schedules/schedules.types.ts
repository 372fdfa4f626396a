import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import type { FileUpload } from 'graphql-upload/processRequest.mjs';

export enum ScheduleFormatEnum {
  MSPDI = 'MSPDI',
  XER = 'XER',
  P6_XML = 'P6_XML',
}
registerEnumType(ScheduleFormatEnum, {
  name: 'ScheduleFormat',
  description: 'A schedule file format.',
  valuesConfig: {
    MSPDI: { description: 'Microsoft Project XML (namespace http://schemas.microsoft.com/project).' },
    XER: { description: 'Primavera P6 XER (tab-separated, Windows-1252).' },
    P6_XML: { description: 'Primavera P6 XML (APIBusinessObjects).' },
  },
});

@InputType({ description: 'A schedule file for a project.' })
export class ImportScheduleInput {
  @Field(() => ID, { description: 'The project whose schedule the file replaces.' })
  projectId!: string;

  @Field(() => ScheduleFormatEnum)
  format!: ScheduleFormatEnum;

  @Field(() => GraphQLUpload, { description: 'The file (GraphQL multipart request; send the header Apollo-Require-Preflight: true).' })
  file!: Promise<FileUpload>;

  @Field(() => String, {
    nullable: true,
    description: 'XER and P6 XML files holding several projects: the ID of the one to read (P6 project ID, proj_short_name); default: the first real project, with a warning naming the others.',
  })
  p6Project?: string | null;
}

@ObjectType({ description: 'Rows of one record type an import wrote.' })
export class ScheduleRecordCount {
  @Field(() => Int)
  created!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int, { description: 'Rows of the project the file no longer has.' })
  deleted!: number;
}

@ObjectType({ description: 'What a schedule import wrote, and what it had to leave out.' })
export class ScheduleImportSummary {
  @Field(() => ScheduleRecordCount)
  tasks!: ScheduleRecordCount;

  @Field(() => ScheduleRecordCount)
  dependencies!: ScheduleRecordCount;

  @Field(() => ScheduleRecordCount)
  calendars!: ScheduleRecordCount;

  @Field(() => ScheduleRecordCount)
  resources!: ScheduleRecordCount;

  @Field(() => ScheduleRecordCount)
  assignments!: ScheduleRecordCount;

  @Field(() => [String], { description: 'Problems that did not stop the import: skipped tables, dropped links to tasks not in the file, …' })
  warnings!: string[];
}

@ObjectType({ description: 'A schedule file ready to download; the link expires.' })
export class ScheduleExport {
  @Field(() => String, { description: 'Path on this server; follow it without credentials before it expires.' })
  url!: string;

  @Field(() => GraphQLDateTime)
  expiresAt!: Date;

  @Field(() => String)
  fileName!: string;

  @Field(() => [String], { description: 'What the format could not hold (e.g. links of summary tasks in P6).' })
  warnings!: string[];
}
