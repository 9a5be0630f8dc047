import { afterAll, beforeAll, describe, it } from "vitest";
import { openPostgresStore } from "../../../server/src/store/postgres-store.ts";
import { describeStoreContract } from "../../unit/server/store-contract.ts";
import { PG_MISSING, startPgCluster, type PgCluster } from "./pg-cluster.ts";

// The same contract as SQLite's, on a real PostgreSQL that this file starts (a throwaway cluster).
if (PG_MISSING) {
  describe("the PostgreSQL store", () => {
    it.skip(`skipped: ${PG_MISSING}`, () => {});
  });
} else {
  let cluster: PgCluster;
  let n = 0;
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(() => cluster?.stop());
  describeStoreContract("PostgreSQL", async () => openPostgresStore(await cluster.database(`contract_${++n}`)));
}
