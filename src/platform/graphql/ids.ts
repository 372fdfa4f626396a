import { BadInputError } from '../errors/app-error.js';

/** Parses an `ID!` argument that names a row; anything but a positive integer is bad input. */
export function parseId(value: string, argument = 'id'): number {
  if (!/^\d{1,18}$/.test(value)) throw new BadInputError(`${argument} is not a valid id`, { argument });
  const id = Number(value);
  if (id < 1) throw new BadInputError(`${argument} is not a valid id`, { argument });
  return id;
}
