import { Construct } from "constructs";
import { z } from "zod";
import { checkProps, constructRef } from "../core/props";
import { invalid } from "../core/errors";
import { CloudSqlPostgres, type CloudSqlPostgresProps, type CloudSqlReplica } from "./cloud-sql";
import type { INetwork } from "./network";
import { checkTier } from "./cloud-sql-tiers";
import { checkZone, GCP_REGIONS } from "./regions";
import { Vm, type VmProps } from "./vm";

/** What differs from region to region: one line of settings per region. */
export interface RegionSpec {
  /** The region; the network must have a subnet there. */
  readonly region: string;
  /** Zone of the region's VM. @default the region's first zone (`us-central1-a`) */
  readonly zone?: string;
  /** The region's VM machine type, e.g. `e2-standard-4`. */
  readonly machineType: string;
  /** Cloud SQL tier of the region's database (primary or replica), e.g. `db-custom-4-16384`. */
  readonly databaseTier: string;
}

/** The VM settings every region shares (each region adds its zone and machine type). */
export type SharedVmProps = Omit<
  VmProps,
  "name" | "zone" | "machineType" | "network" | "region" | "subnet"
>;

/** The primary database settings (replicas inherit them; each region adds its tier). */
export type SharedDatabaseProps = Omit<CloudSqlPostgresProps, "network" | "region" | "tier">;

export interface RegionalPlatformProps {
  /**
   * The VPC: a `Network`, or an existing one from `Network.fromAttributes`; it must have a subnet
   * in every region listed (and private services access, for the database).
   */
  readonly network: INetwork;
  /** The primary region: the VM and the database primary. */
  readonly primary: RegionSpec;
  /** Backup regions: a VM and a cross-region read replica each, for disaster recovery. @default [] */
  readonly backups?: readonly RegionSpec[];
  /** Settings of every region's VM. */
  readonly vm: SharedVmProps;
  /** Settings of the primary database. */
  readonly database: SharedDatabaseProps;
}

const REGION_SPEC = z.strictObject({
  region: z.string(),
  zone: z.string().optional(),
  machineType: z.string(),
  databaseTier: z.string(),
});

/**
 * The shape RegionalPlatform checks itself; `vm` and `database` are objects whose props the Vm
 * and CloudSqlPostgres schemas check when the region's constructs are made.
 */
const REGIONAL_PLATFORM_PROPS = z.strictObject({
  network: constructRef<INetwork>("a Network, or Network.fromAttributes(...)", ["subnet"]),
  primary: REGION_SPEC,
  backups: z.array(REGION_SPEC).optional(),
  // The Vm's own schema checks the rest when each region's VM is made.
  vm: z.looseObject({ services: z.array(z.looseObject({})) }),
  database: z.looseObject({}),
});

/** Everything one region holds. */
export interface PlatformRegion {
  readonly region: string;
  readonly role: "primary" | "backup";
  readonly vm: Vm;
  /** The primary instance in the primary region, a DR replica in a backup region. */
  readonly database: CloudSqlPostgres | CloudSqlReplica;
}

/**
 * A platform as "a primary region plus N backup regions". The primary region runs a VM and the
 * database primary; each backup region runs a VM (named after its region) and a cross-region
 * read replica of the primary that can be promoted. Adding a region is one more
 * {@link RegionSpec}. Every region must be known, listed once, and have a subnet in the network,
 * whose ranges the Network construct has already checked to be disjoint.
 */
export class RegionalPlatform extends Construct {
  /** The primary region first, then the backups in the order given. */
  readonly regions: readonly PlatformRegion[];
  /** The database primary. */
  readonly database: CloudSqlPostgres;

  constructor(scope: Construct, id: string, props: RegionalPlatformProps) {
    super(scope, id);
    checkProps(this, REGIONAL_PLATFORM_PROPS, props, "{ network, primary, backups, vm, database }");
    const specs = [props.primary, ...(props.backups ?? [])];
    const seen = new Map<string, string>();
    specs.forEach((spec, i) => {
      const property = i === 0 ? "primary.region" : `backups[${i - 1}].region`;
      const earlier = seen.get(spec?.region);
      if (earlier !== undefined) {
        invalid(
          this,
          property,
          spec.region,
          `is already used by ${earlier}`,
          "list each region once",
        );
      }
      seen.set(spec?.region, property);
      // Checked here too, so the message names the prop the user wrote, not the replica's.
      checkTier(
        this,
        i === 0 ? "primary.databaseTier" : `backups[${i - 1}].databaseTier`,
        spec.databaseTier,
      );
      props.network.subnet(spec.region); // throws a ValidationError naming the regions it has
    });

    const [primary, ...backups] = specs;
    this.database = new CloudSqlPostgres(this, "database", {
      ...props.database,
      network: props.network,
      region: primary.region,
      tier: primary.databaseTier,
    });
    const regions: PlatformRegion[] = [
      {
        region: primary.region,
        role: "primary",
        vm: this.vm(props, primary, "primary.zone", "vm", "primary", this.database.instance),
        database: this.database,
      },
    ];
    backups.forEach((spec, i) => {
      const replica = this.database.addReplica({
        region: spec.region,
        tier: spec.databaseTier,
        name: `backup-replica-${spec.region}`,
        purpose: "dr",
      });
      regions.push({
        region: spec.region,
        role: "backup",
        vm: this.vm(
          props,
          spec,
          `backups[${i}].zone`,
          `vm-${spec.region}`,
          "backup",
          replica.instance,
        ),
        database: replica,
      });
    });
    this.regions = regions;
  }

  /** The primary region. */
  get primary(): PlatformRegion {
    return this.regions[0];
  }

  /** The backup regions. */
  get backups(): readonly PlatformRegion[] {
    return this.regions.slice(1);
  }

  /**
   * Every service learns its region's role and database: `PLATFORM_ROLE` (`primary`, or
   * `backup`: stay passive until failover, so two regions never trade at once) and
   * `DB_CONNECTION_NAME` (`project:region:instance` of the region's primary or replica).
   */
  private vm(
    props: RegionalPlatformProps,
    spec: RegionSpec,
    zoneProperty: string,
    name: string,
    role: "primary" | "backup",
    database: { readonly nameInput?: string },
  ): Vm {
    const zone = checkZone(
      this,
      zoneProperty,
      spec.zone ?? `${spec.region}-${GCP_REGIONS[spec.region][0]}`,
      spec.region,
    );
    const project = props.database.projectId;
    const env: Record<string, string> = { PLATFORM_ROLE: role };
    if (project && database.nameInput) {
      env.DB_CONNECTION_NAME = `${project}:${spec.region}:${database.nameInput}`;
    }
    return new Vm(this, name, {
      ...props.vm,
      services: props.vm.services.map((s) => ({ ...s, env: { ...s.env, ...env } })),
      name,
      zone,
      machineType: spec.machineType,
      network: props.network,
      region: spec.region,
    });
  }
}
