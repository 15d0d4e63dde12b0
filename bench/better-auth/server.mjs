// The better-auth peer of bench/load.py, set up as its documentation says: email and password with email
// verification required, pg's Pool (through its Kysely adapter), `node:cluster` with a worker per core,
// mounted with toNodeHandler on a plain node:http server. Bench-only, installed outside the repository
// (bench/load.py runs `npm ci --prefix` from this folder's package-lock.json).
//
//   DATABASE_URL=postgres://... PORT=8200 SECRET=... HASH=scrypt|argon2id node server.mjs [migrate|hash]
//
// HASH=scrypt is its default; HASH=argon2id plugs @node-rs/argon2 at Bookly's parameters (m=19 MiB, t=2,
// p=1) into emailAndPassword.password.hash/verify, as its email-password page shows.
import cluster from "node:cluster";
import http from "node:http";
import os from "node:os";
import { hash, verify } from "@node-rs/argon2";
import nodemailer from "nodemailer";
import { betterAuth } from "better-auth";
import { hashPassword } from "better-auth/crypto";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import pg from "pg";

const { DATABASE_URL, PORT = "0", SECRET, HASH = "scrypt" } = process.env;
const ARGON2ID = { memoryCost: 19 * 1024, timeCost: 2, parallelism: 1, outputLen: 32, algorithm: 2 };
const password = HASH === "argon2id"
  ? { hash: (plain) => hash(plain, ARGON2ID), verify: ({ hash: stored, password: plain }) => verify(stored, plain) }
  : undefined; // its own scrypt (N=16384, r=16, p=1)

// Its documentation has the app send each email with a mailer of its own, not awaited. Here nodemailer
// builds the whole message in memory and sends it nowhere, as Bookly's MAIL_BACKEND=memory does in
// bench/load.py: both sides pay for making the email, neither for a relay. `sent` counts them.
const mailer = nodemailer.createTransport({ streamTransport: true, buffer: true });
let sent = 0;
const mail = (subject, intro) => ({ user, url }) => {
  void mailer
    .sendMail({
      from: "Bench <no-reply@bench.example>",
      to: user.email,
      subject,
      text: `${intro}\n\n${url}\n`,
      html: `<p>${intro}</p><p><a href="${url}">${url}</a></p>`,
    })
    .then(() => { sent += 1; });
};
const sendVerificationEmail = mail("Verify your email address", "Click the link to verify your email:");
const sendResetPassword = mail("Reset your password", "Click the link to reset your password:");

const auth = betterAuth({
  baseURL: `http://127.0.0.1:${PORT}`,
  secret: SECRET,
  database: new pg.Pool({ connectionString: DATABASE_URL }),
  emailAndPassword: { enabled: true, requireEmailVerification: true, sendResetPassword, password },
  emailVerification: { sendVerificationEmail },
  telemetry: { enabled: false },
});

const command = process.argv[2];
if (command === "migrate") {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  process.exit(0);
} else if (command === "hash") {
  // One hash of the benchmark's password in the stored format, for seeding its accounts.
  process.stdout.write(password ? await password.hash(process.argv[3]) : await hashPassword(process.argv[3]));
  process.exit(0);
} else if (cluster.isPrimary) {
  for (let i = 0; i < os.availableParallelism(); i++) cluster.fork();
  cluster.on("exit", (worker, code) => { if (code) console.error(`worker ${worker.process.pid} exited ${code}`); });
} else {
  http.createServer(toNodeHandler(auth)).listen(Number(PORT), "127.0.0.1");
}
