export { organizations, type OrganizationRow } from './organizations.table.js';
export { projects, type ProjectRow } from './projects.table.js';
export { users, type UserRow } from './users.table.js';
export { memberships, MEMBERSHIP_ROLES, type MembershipRole, type MembershipRow } from './memberships.table.js';
export { activeMembership, activeMembershipWhere } from './memberships.service.js';
export { createOrganization, getOrganization, createProject, getProject, listProjects } from './organizations.service.js';
export { Organization, Project, toOrganization, toProject } from './organizations.types.js';
export { ProjectsResolver } from './organizations.resolver.js';
