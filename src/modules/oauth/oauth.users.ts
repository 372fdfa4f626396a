import { and, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import { AppError, BadInputError } from '../../platform/errors/app-error.js';
import { recordAudit, type Actor } from '../audit/index.js';
import { MEMBERSHIP_ROLES, memberships, users, type MembershipRole } from '../organizations/index.js';
import { hashPassword } from './oauth.passwords.js';
import { passwordWeakness } from './oauth.password-strength.js';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
export const MIN_PASSWORD_LENGTH = 12;

/**
 * A local account that signs in on the OAuth login page: the user (created, or found by
 * e-mail) gets a password and a membership of the organization. For operators (CLI) and tests.
 */
export async function createLocalUser(
  db: Db,
  actor: Actor,
  input: { organizationId: number; email: string; password: string; role: string; name?: string | undefined },
): Promise<{ userId: number; created: boolean }> {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email)) throw new BadInputError('email is not a valid e-mail address', { field: 'email' });
  if (input.password.length < MIN_PASSWORD_LENGTH) throw new BadInputError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`, { field: 'password' });
  const weakness = passwordWeakness(input.password, [email, input.name]);
  if (weakness) throw new BadInputError(weakness, { field: 'password' });
  if (!(MEMBERSHIP_ROLES as readonly string[]).includes(input.role)) {
    throw new BadInputError(`role must be one of ${MEMBERSHIP_ROLES.join(', ')}`, { field: 'role' });
  }
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).for('update');
    let userId: number;
    if (existing) {
      userId = existing.id;
      await tx.update(users).set({ passwordHash, ...(input.name ? { name: input.name } : {}) }).where(eq(users.id, userId));
    } else {
      const [result] = await tx.insert(users).values({ email, name: input.name ?? null, passwordHash });
      userId = result.insertId;
    }
    const [member] = await tx
      .select({ id: memberships.id })
      .from(memberships)
      .where(and(eq(memberships.organizationId, input.organizationId), eq(memberships.userId, userId)));
    if (member) throw new AppError('CONFLICT', `${email} is already a member of organization ${input.organizationId}`);
    await tx.insert(memberships).values({ organizationId: input.organizationId, userId, role: input.role as MembershipRole });
    await recordAudit(tx, actor, { organizationId: input.organizationId, action: 'user.added', targetType: 'user', targetId: userId, metadata: { email, role: input.role } });
    return { userId, created: !existing };
  });
}
