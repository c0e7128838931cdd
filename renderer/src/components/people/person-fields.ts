/** A rough e-mail shape, to catch a typo before the round trip; the core has the last word. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What is wrong with a new person's name and e-mail, in the words both "add a person" forms show. */
export interface PersonFieldErrors {
  readonly first?: string;
  readonly last?: string;
  readonly email?: string;
}

export function personFieldErrors(first: string, last: string, email: string): PersonFieldErrors {
  const e: { first?: string; last?: string; email?: string } = {};
  if (first.trim() === "") e.first = "First name is needed.";
  if (last.trim() === "") e.last = "Last name is needed.";
  if (email.trim() !== "" && !EMAIL_SHAPE.test(email.trim())) e.email = "This does not look like an e-mail address.";
  return e;
}
