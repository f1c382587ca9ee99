// Prints a password hash for CONSOLE_USERS_FILE: node dist/src/gateway/hash-password.js <password>
import { hashPassword } from './domain/session.js';

const password = process.argv[2];
if (!password) {
  process.stderr.write('usage: hash-password <password>\n');
  process.exit(2);
}
process.stdout.write(`${hashPassword(password)}\n`);
