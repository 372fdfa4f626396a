import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import { AppError, BadInputError, NotFoundError } from '../../platform/errors/app-error.js';
import type { Page } from '../../platform/graphql/pagination.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import { organizations, type OrganizationRow } from './organizations.table.js';
import { projects, type ProjectRow } from './projects.table.js';
import { isDuplicateKey as isDuplicate } from '../../platform/db/errors.js';

function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}


/** Creates a tenant; the slug is derived from the name and made unique with a suffix. */
export async function createOrganization(db: Db, actor: Actor, input: { name: string }): Promise<OrganizationRow> {
  const name = input.name.trim();
  if (!name || name.length > 255) throw new BadInputError('name must be 1 to 255 characters', { field: 'name' });
  const base = slugify(name) || 'org';
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const slug = attempt === 0 ? base : `${base}-${Math.random().toString(36).slice(2, 7)}`;
    try {
      return await db.transaction(async (tx) => {
        const [result] = await tx.insert(organizations).values({ name, slug });
        await recordAudit(tx, actor, {
          organizationId: result.insertId,
          action: 'organization.created',
          targetType: 'organization',
          targetId: result.insertId,
          metadata: { name, slug },
        });
        const [row] = await tx.select().from(organizations).where(eq(organizations.id, result.insertId));
        if (!row) throw new Error('inserted organization not found');
        return row;
      });
    } catch (error) {
      if (!isDuplicate(error)) throw error;
    }
  }
  throw new AppError('CONFLICT', 'Could not find a free slug for this organization name');
}

export async function getOrganization(db: Db, id: number): Promise<OrganizationRow> {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, id));
  if (!row) throw new NotFoundError('Organization', id);
  return row;
}

export async function listProjects(db: Db, organizationId: number, page: Page): Promise<ProjectRow[]> {
  return db
    .select()
    .from(projects)
    .where(and(eq(projects.organizationId, organizationId), page.beforeId === null ? undefined : lt(projects.id, page.beforeId)))
    .orderBy(desc(projects.id))
    .limit(page.limit + 1);
}

export async function getProject(db: Db, organizationId: number, id: number): Promise<ProjectRow> {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.id, id), eq(projects.organizationId, organizationId)));
  if (!row) throw new NotFoundError('Project', id);
  return row;
}

export async function createProject(
  db: Db,
  actor: Actor,
  input: { organizationId: number; name: string; code: string },
): Promise<{ project: ProjectRow; audit: AuditEventRow[] }> {
  const name = input.name.trim();
  const code = input.code.trim();
  if (!name || name.length > 255) throw new BadInputError('name must be 1 to 255 characters', { field: 'name' });
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(code)) {
    throw new BadInputError('code must be 1 to 64 letters, digits, dots, dashes or underscores', { field: 'code' });
  }
  try {
    return await db.transaction(async (tx) => {
      const [result] = await tx.insert(projects).values({ organizationId: input.organizationId, name, code });
      const audit = await recordAudit(tx, actor, {
        organizationId: input.organizationId,
        action: 'project.created',
        targetType: 'project',
        targetId: result.insertId,
        metadata: { name, code },
      });
      const [project] = await tx.select().from(projects).where(eq(projects.id, result.insertId));
      if (!project) throw new Error('inserted project not found');
      return { project, audit: [audit] };
    });
  } catch (error) {
    if (isDuplicate(error)) throw new AppError('CONFLICT', `A project with code ${code} already exists`, { context: { field: 'code' } });
    throw error;
  }
}
