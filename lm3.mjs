import { open } from "lmdb";
const [,, path, mode] = process.argv;
process.on("unhandledRejection", (e) => { console.log("UNHANDLED", e?.code, e?.message); });
try {
  const db = open({ path, compression: true, encoding: "msgpack", commitDelay: 2 });
  let n = 0; for (const k of db.getKeys()) { db.get(k); n++; }
  console.log("read", n);
  if (mode === "w") { await db.put("new", "x"); console.log("put ok"); }
  await db.close();
} catch (e) { console.log("THROWN", e.code, e.message); }
