import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { ConnectorDefinition, FileFormat, FileScope } from '../integrations/index.js';
import { exportScheduleFile, importScheduleFile } from './schedules.service.js';
import { ScheduleFileError } from './schedules.errors.js';

/*
 * The file connectors of Microsoft Project (MSPDI XML) and Primavera P6 (XER, P6 XML), as the
 * integrations contract declares them. Both write the same platform records through the
 * schedules service; the registry lists them (integrationTypes).
 */

export const MSPDI_FORMAT: FileFormat = { id: 'MSPDI', label: 'Microsoft Project XML (MSPDI)', extensions: ['xml'], mediaType: 'application/xml' };
export const XER_FORMAT: FileFormat = { id: 'XER', label: 'Primavera P6 XER', extensions: ['xer'], mediaType: 'application/octet-stream' };
export const P6_XML_FORMAT: FileFormat = { id: 'P6_XML', label: 'Primavera P6 XML', extensions: ['xml'], mediaType: 'application/xml' };

const SCHEDULE_ENTITIES = ['schedule_tasks', 'task_dependencies', 'schedule_calendars', 'schedule_resources', 'schedule_assignments'] as const;

/** File connectors take no settings. */
const noConfig = z.object({}).strict();

function fileConnector(formats: readonly FileFormat[]) {
  const allowed = (format: string) => {
    if (!formats.some((f) => f.id === format)) {
      throw new ScheduleFileError('UNKNOWN_FORMAT', `This connector reads and writes ${formats.map((f) => f.id).join(' and ')}, not ${format}`);
    }
  };
  return {
    formats,
    importFile: async (scope: FileScope, format: string, input: Readable) => {
      allowed(format);
      // No record events here: the webhooks module (which knows the subscriptions) imports the
      // integrations module, so importing it back would make a cycle of modules.
      return await importScheduleFile(scope.db, { organizationId: scope.organizationId, projectId: scope.projectId }, format, input);
    },
    exportFile: async (scope: FileScope, format: string) => {
      allowed(format);
      return await exportScheduleFile(scope.db, { organizationId: scope.organizationId, projectId: scope.projectId }, format);
    },
  };
}

export const msProjectConnector: ConnectorDefinition<Record<string, never>> = {
  type: 'ms_project',
  name: 'Microsoft Project',
  description: 'Imports and exports project schedules as MS Project XML (MSPDI): tasks, links with lags, calendars, resources and assignments.',
  capabilities: ['file_import', 'file_export'],
  entityTypes: SCHEDULE_ENTITIES,
  auth: 'none',
  configSchema: noConfig,
  files: fileConnector([MSPDI_FORMAT]),
};

export const primaveraP6Connector: ConnectorDefinition<Record<string, never>> = {
  type: 'primavera_p6',
  name: 'Oracle Primavera P6',
  description: 'Imports and exports project schedules as P6 XER and P6 XML: WBS, activities, relationships with lags, calendars, resources and assignments.',
  capabilities: ['file_import', 'file_export'],
  entityTypes: SCHEDULE_ENTITIES,
  auth: 'none',
  configSchema: noConfig,
  files: fileConnector([XER_FORMAT, P6_XML_FORMAT]),
};

export const SCHEDULE_CONNECTORS = [msProjectConnector, primaveraP6Connector] as const;
