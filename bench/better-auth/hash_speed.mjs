// bench/hash_speed.py's counterpart through @node-rs/argon2 (better-auth's documented argon2id), one thread.
//   node hash_speed.mjs [hashes] | node hash_speed.mjs verify HASH
import { hash, verify } from "@node-rs/argon2";

const ARGON2ID = { memoryCost: 19 * 1024, timeCost: 2, parallelism: 1, outputLen: 32, algorithm: 2 };
const PASSWORD = "bench password 1";
if (process.argv[2] === "verify") {
  console.log((await verify(process.argv[3], PASSWORD)) ? "verified" : "refused");
  console.log(await hash(PASSWORD, ARGON2ID));
} else {
  const count = Number(process.argv[2] ?? 30);
  await hash(PASSWORD, ARGON2ID);
  const cpu = process.cpuUsage(), wall = performance.now();
  for (let i = 0; i < count; i++) await hash(PASSWORD, ARGON2ID); // one at a time: one libuv thread busy
  const used = process.cpuUsage(cpu), ms = (performance.now() - wall) / count;
  console.log(`@node-rs/argon2: ${(used.user + used.system) / 1000 / count}`.replace(/(\.\d)\d*/, "$1") +
              ` ms CPU, ${ms.toFixed(1)} ms wall per hash`);
}
