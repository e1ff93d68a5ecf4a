"""Rule election_results: the Kiesraad files of one election to tidy totals and party votes."""

from afgehaakt.elections import check_turnout_plausible
from afgehaakt.acquisition.membership import municipality_membership
from afgehaakt.features.harmonise import read_election, require_election_coverage, require_election_coverage_on
from afgehaakt.io.merger_history import read_merger_history
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "election_results") as log:
    results = read_election(snakemake.params.format, list(snakemake.input.files))
    if snakemake.input.crosswalk or snakemake.params.source_year == snakemake.params.boundary_year:
        require_election_coverage(
            results, source_year=snakemake.params.source_year, boundary_year=snakemake.params.boundary_year,
            boundary_list=municipality_membership(snakemake.params.route, snakemake.input.municipalities),
            reference=snakemake.input.municipalities, matrix_path=(snakemake.input.crosswalk or [None])[0])
    else:
        require_election_coverage_on(
            results, read_merger_history(snakemake.input.merger_events, snakemake.input.merger_lists),
            date=snakemake.params.election_date)
    expected = check_turnout_plausible(results.totals, expected_above_one=snakemake.params.expected_above_one,
                                       source=results.source)
    log.info("turnout above 1 where expected (kiezerspas visitors): %s", ", ".join(expected) or "none")
    log.info(
        "%d municipalities, %d lists; %d rows excluded (listed in %s): %s",
        len(results.totals),
        results.party_votes["list_name"].nunique(),
        len(results.excluded),
        snakemake.output.excluded,
        ", ".join(results.excluded["name"]),
    )
    write_table(results.totals, snakemake.output.totals)
    write_table(results.party_votes, snakemake.output.party_votes)
    write_table(results.excluded, snakemake.output.excluded)
