"""Rule pc4_areas: TK2025 polling stations placed in their postcode areas, reconciled with the municipal result,
and the areas with their votes, shares and covariates (all stations, and without the special stations)."""

from afgehaakt.geo.boundaries import write_geoparquet
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.pc4.areas import party_group_votes, pc4_values, read_covariates, read_pc4_polygons
from afgehaakt.pc4.stations import (
    SpecialStationRule,
    read_municipal_list_votes,
    read_station_votes,
    reconciliation,
    station_table,
    without_special,
)

with step_log(snakemake.log[0], "pc4_areas") as log:
    votes = read_station_votes(snakemake.input.election_zip)
    polygons, excluded = read_pc4_polygons(snakemake.input.polygons)
    rule = SpecialStationRule(**snakemake.params.special_stations)
    stations = station_table(votes, pc4_on_map=set(polygons["pc4"]), rule=rule)
    assigned = stations[stations["status"] == "assigned"]
    log.info("%d stations, %d votes; assigned to a PC4: %d stations, %d votes (%.2f%%)", len(stations),
             stations["votes"].sum(), len(assigned), assigned["votes"].sum(),
             100 * assigned["votes"].sum() / stations["votes"].sum())
    log.info("unassigned per reason: %s", stations.loc[stations["status"] == "unassigned", "reason"].value_counts().to_dict())
    log.info("special stations (%s): %d, %d votes", rule.describe(), stations["special"].sum(),
             stations.loc[stations["special"], "votes"].sum())
    table = reconciliation(stations, read_municipal_list_votes(snakemake.input.election_zip))
    unreconciled = table[table["difference"] != 0]
    if not unreconciled.empty:
        raise ValueError(f"station votes differ from the result file for {unreconciled['region'].tolist()[:5]}")
    covariates = read_covariates(snakemake.input.woz_urbanity, snakemake.input.population_by_age,
                                 snakemake.input.centroids)
    groups = party_group_votes(votes, snakemake.params.party_groups)
    shared = dict(votes=votes, polygons=polygons, covariates=covariates, party_groups=list(snakemake.params.party_groups))
    areas = pc4_values(stations, groups, **shared)
    sensitivity = pc4_values(without_special(stations), groups, **shared)
    log.info("%d of %d areas have a value (%d without special stations); %d left out of the layer: %s",
             areas["has_value"].sum(), len(areas), sensitivity["has_value"].sum(), len(excluded),
             excluded.to_dict(orient="records"))
    write_geoparquet(areas, snakemake.output.areas)
    write_geoparquet(sensitivity, snakemake.output.sensitivity)
    write_table(areas.drop(columns="geometry"), snakemake.output.table)
    write_table(stations, snakemake.output.stations)
    write_table(table, snakemake.output.reconciliation)
    write_table(excluded, snakemake.output.excluded)
