import { openSqliteStore } from "../../../server/src/store/sqlite-store.ts";
import { describeStoreContract } from "./store-contract.ts";

describeStoreContract("SQLite", () => openSqliteStore(":memory:"));
