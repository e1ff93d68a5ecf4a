"""Rule neighbourhood_benchmarks: wall time and peak memory of the heavy jobs, by units and permutations."""

from afgehaakt.logs import step_log
from afgehaakt.neighbourhoods import benchmark_table
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "neighbourhood_benchmarks") as log:
    files = [*snakemake.input.weights, *snakemake.input.moran, *snakemake.input.lisa, *snakemake.input.lisa_parts]
    table = benchmark_table(files, summaries=list(snakemake.input.summaries))
    log.info("%d benchmarked jobs", len(table))
    write_table(table, snakemake.output.table)
