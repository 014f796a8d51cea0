/** Names of variables whose values devsup never prints (`devsup check`, messages). */
const SECRET_NAME = /secret|token|passw|pwd|api[_-]?key|private[_-]?key|credential|auth|cookie|session/i;

export const MASK = '••••••';

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
