import { describe, expect, it } from 'vitest';
import { isSecretName, MASK, maskSecretArgs, maskSecrets } from './secrets.js';

describe('isSecretName', () => {
  it.each([
    'OPENAI_KEY',
    'STRIPE_KEY',
    'SIGNING_KEY',
    'ENCRYPTION_KEY',
    'SSH_KEY',
    'API_KEY',
    'apiKey',
    'PASS',
    'PASSPHRASE',
    'PASSWORD',
    'DB_PWD',
    'BEARER',
    'GITHUB_TOKEN',
    'CLIENT_SECRET',
    'AUTH',
    'BASIC_AUTH',
    'AWS_CREDENTIALS',
    'PRIVATE_PEM',
    'SENTRY_DSN',
    'COOKIE_JAR',
    'SESSION_ID',
    'x-session',
  ])('%s is a secret name', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each(['PORT', 'HOST', 'NODE_ENV', 'DATABASE_URL', 'GREETING', 'LOG_LEVEL', 'DEBUG', 'url', 'sslmode'])('%s is not', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe('maskSecrets', () => {
  it.each([
    ['postgres://u:s3cret@db.local:5432/app', `postgres://${MASK}@db.local:5432/app`],
    ['redis://:s3cret@localhost:6379', `redis://${MASK}@localhost:6379`],
    ['https://ghp_s3cret@github.com/o/r.git', `https://${MASK}@github.com/o/r.git`],
    ['https://abc123def@o42.ingest.sentry.io/7', `https://${MASK}@o42.ingest.sentry.io/7`],
    ['http://u:p@ss@localhost:3000/x@y', `http://${MASK}@localhost:3000/x@y`],
    ['curl -H "Authorization: Bearer s3cret.tok-en" http://x', `curl -H "Authorization: Bearer ${MASK}" http://x`],
    ['https://hooks.example.com/in?token=s3cret&channel=dev', `https://hooks.example.com/in?token=${MASK}&channel=dev`],
    ['https://x.io/hook?v=1&api_key=s3cret#top', `https://x.io/hook?v=1&api_key=${MASK}#top`],
    ['API_TOKEN=s3cret node server.js', `API_TOKEN=${MASK} node server.js`],
    ['env STRIPE_KEY="s3 cret" PORT=3000 npm start', `env STRIPE_KEY=${MASK} PORT=3000 npm start`],
    ["sh -c 'PASS=s3cret exec app'", `sh -c 'PASS=${MASK} exec app'`],
    ['node app.js --password=s3cret --port 3000', `node app.js --password=${MASK} --port 3000`],
    ['node app.js --api-key s3cret --verbose', `node app.js --api-key ${MASK} --verbose`],
    ['java -Ddb.password=s3cret -jar app.jar', `java -Ddb.password=${MASK} -jar app.jar`],
    ['app --token "s3 cret" --x', `app --token ${MASK} --x`],
    ['app --no-auth --port 3000', 'app --no-auth --port 3000'],
    ['DATABASE_URL=postgres://u:s3cret@h/db PORT=1 node x', `DATABASE_URL=postgres://${MASK}@h/db PORT=1 node x`],
    ['line one\nSECRET=s3cret\n', `line one\nSECRET=${MASK}\n`],
  ])('%s', (text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
  });

  it.each([
    'http://localhost:3000/path?page=2',
    'python3 -m http.server 10500',
    'NODE_ENV=production node server.js --port 8080',
    'listens on 3001, not on the PORT=3000 it was given',
    'user@example.com',
  ])('leaves %s alone', (text) => {
    expect(maskSecrets(text)).toBe(text);
  });

  it('is idempotent', () => {
    const once = maskSecrets('TOKEN=a https://u:p@h?key=b --pass c Bearer d');
    expect(maskSecrets(once)).toBe(once);
    expect(once).not.toMatch(/\b[abcd]\b|u:p/);
  });
});

describe('maskSecretArgs', () => {
  it('masks the word after a secret flag, and each word by value', () => {
    expect(maskSecretArgs(['node', 'app.js', '--token', 's3cret', '--port', '3000', 'postgres://u:pw@h/db'])).toEqual([
      'node',
      'app.js',
      '--token',
      MASK,
      '--port',
      '3000',
      `postgres://${MASK}@h/db`,
    ]);
    expect(maskSecretArgs(['app', '--auth', '--verbose'])).toEqual(['app', '--auth', '--verbose']);
  });
});
