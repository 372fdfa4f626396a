import { Field, Int, ObjectType } from 'type-graphql';
import { Organization } from '../organizations/index.js';

@ObjectType({ description: 'The state of one rate-limit window for the calling credential.' })
export class RateLimitWindow {
  @Field(() => String, { description: 'hour or burst.' })
  name!: string;

  @Field(() => Int)
  limit!: number;

  @Field(() => Int)
  windowSeconds!: number;

  @Field(() => Int, { description: 'Requests left in this window after this one.' })
  remaining!: number;

  @Field(() => Int, { description: 'Seconds until the window resets.' })
  resetSeconds!: number;
}

@ObjectType({ description: 'The caller: which organization and credential the request acts as.' })
export class Viewer {
  @Field(() => Organization)
  organization!: Organization;

  @Field(() => String, { description: 'api_key, oauth_token or user.' })
  principalType!: string;

  @Field(() => String, { description: 'The credential id (for an API key, its id).' })
  principalId!: string;

  @Field(() => String, { description: 'Display form of the credential, e.g. the key prefix.' })
  label!: string;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => [RateLimitWindow], { description: 'Empty when the credential is not rate limited.' })
  rateLimits!: RateLimitWindow[];
}
