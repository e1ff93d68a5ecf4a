# Direct, indirect and total impacts of the ML spatial lag model (spatialreg::impacts, LeSage and Pace 2009) for
# tests/unit/test_spatial_parity.py. Same inputs, weights and model as reference.R; run from the repository root:
#     Rscript tests/reference/spdep/impacts.R
# Writes impacts.json beside this script.
suppressPackageStartupMessages({
  library(spdep)
  library(spatialreg)
  library(jsonlite)
})
here <- "tests/reference/spdep"
values <- read.csv(file.path(here, "municipal_values.csv"), colClasses = c(code = "character"))
values <- values[order(values$code), ]
codes <- values$code
edges <- read.csv(file.path(here, "queen_edges.csv"), colClasses = c(focal = "character", neighbor = "character"))
neighbours <- lapply(codes, function(code) as.integer(sort(match(edges$neighbor[edges$focal == code], codes))))
class(neighbours) <- "nb"
attr(neighbours, "region.id") <- codes
row_standardised <- nb2listw(neighbours, style = "W")
formula <- outsider_share ~ log_eligible + blank_share
lag <- lagsarlm(formula, data = values, listw = row_standardised, method = "eigen", control = list(tol.opt = 1e-12))
impacts <- impacts(lag, listw = row_standardised)
result <- list(
  generated_by = "tests/reference/spdep/impacts.R",
  r_version = R.version.string,
  spatialreg = as.character(packageVersion("spatialreg")),
  rho = unname(lag$rho),
  terms = attr(impacts, "bnames"),
  direct = as.numeric(impacts$direct),
  indirect = as.numeric(impacts$indirect),
  total = as.numeric(impacts$total)
)
write_json(result, file.path(here, "impacts.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
print(result)
