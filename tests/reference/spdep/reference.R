# Reference numbers from R spdep / spatialreg for tests/unit/test_spatial_parity.py.
#
# Run from the repository root, after tests/reference/spdep/make_inputs.py:
#     Rscript tests/reference/spdep/reference.R
# Reads queen_edges.csv, knn6_edges.csv and municipal_values.csv beside this script and writes spdep_results.json.
# CI never runs R: the JSON is committed and the Python tests compare against it.
#
# Conventions (stated here because they differ between R and Python libraries):
# - all analytical tests use alternative = "greater" unless said otherwise (spdep's default);
# - Geary's z is spdep's (1 - C) / sd, positive for positive autocorrelation;
# - localmoran uses spdep's defaults mlvar = TRUE, conditional = TRUE (Sokal et al. 1998 conditional
#   randomisation moments) and its Ii scaling z_i * lag(z)_i / (sum(z^2) / n).

suppressPackageStartupMessages({
  library(spdep)
  library(spatialreg)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference/spdep"

values <- read.csv(file.path(here, "municipal_values.csv"), colClasses = c(code = "character"))
values <- values[order(values$code), ]
codes <- values$code

# Neighbour list in code order, from a directed edge list (binary weights).
read_neighbours <- function(file) {
  edges <- read.csv(file.path(here, file), colClasses = c(focal = "character", neighbor = "character"))
  neighbours <- lapply(codes, function(code) as.integer(sort(match(edges$neighbor[edges$focal == code], codes))))
  class(neighbours) <- "nb"
  attr(neighbours, "region.id") <- codes
  attr(neighbours, "sym") <- is.symmetric.nb(neighbours, verbose = FALSE, force = TRUE)
  neighbours
}
neighbours <- read_neighbours("queen_edges.csv")
knn6 <- nb2listw(read_neighbours("knn6_edges.csv"), style = "W")

row_standardised <- nb2listw(neighbours, style = "W")
binary <- nb2listw(neighbours, style = "B")
binary_with_self <- nb2listw(include.self(neighbours), style = "B")

htest_numbers <- function(test) {
  list(
    statistic = unname(test$estimate[1]),
    expected = unname(test$estimate[2]),
    variance = unname(test$estimate[3]),
    z = as.numeric(test$statistic),
    p_value = as.numeric(test$p.value),
    alternative = test$alternative
  )
}

variables <- c("turnout", "outsider_share")
global <- list()
local <- list()
for (variable in variables) {
  x <- values[[variable]]
  global[[variable]] <- list(
    moran_randomisation = htest_numbers(moran.test(x, row_standardised, randomisation = TRUE)),
    moran_normality = htest_numbers(moran.test(x, row_standardised, randomisation = FALSE)),
    geary_randomisation = htest_numbers(geary.test(x, row_standardised, randomisation = TRUE)),
    geary_normality = htest_numbers(geary.test(x, row_standardised, randomisation = FALSE)),
    getis_ord_g = htest_numbers(globalG.test(x, binary, B1correct = TRUE))
  )
  lisa <- localmoran(x, row_standardised, conditional = TRUE, mlvar = TRUE, alternative = "two.sided")
  local[[variable]] <- list(
    code = codes,
    Ii = unname(lisa[, "Ii"]),
    E_Ii = unname(lisa[, "E.Ii"]),
    Var_Ii = unname(lisa[, "Var.Ii"]),
    Z_Ii = unname(lisa[, "Z.Ii"]),
    local_g_star_z = as.numeric(localG(x, binary_with_self))
  )
}

# Asymmetric weights: six nearest centroids, row-standardised.
knn6_results <- list()
for (variable in variables) {
  x <- values[[variable]]
  lisa <- localmoran(x, knn6, conditional = TRUE, mlvar = TRUE, alternative = "two.sided")
  knn6_results[[variable]] <- list(
    moran_randomisation = htest_numbers(moran.test(x, knn6, randomisation = TRUE)),
    geary_randomisation = htest_numbers(geary.test(x, knn6, randomisation = TRUE)),
    geary_normality = htest_numbers(geary.test(x, knn6, randomisation = FALSE)),
    local_Ii = unname(lisa[, "Ii"]),
    local_Z_Ii = unname(lisa[, "Z.Ii"])
  )
}

formula <- outsider_share ~ log_eligible + blank_share
ols <- lm(formula, data = values)
residual_moran <- htest_numbers(lm.morantest(ols, row_standardised, alternative = "greater"))
knn6_results$residual_moran <- htest_numbers(lm.morantest(ols, knn6, alternative = "greater"))
lm_tests <- lm.LMtests(ols, row_standardised, test = "all")
lagrange <- lapply(lm_tests, function(test) {
  list(statistic = unname(test$statistic), df = unname(test$parameter), p_value = unname(test$p.value))
})

coefficient_table <- function(fit) {
  s <- summary(fit)$Coef
  list(term = rownames(s), estimate = unname(s[, 1]), se = unname(s[, 2]), z = unname(s[, 3]), p = unname(s[, 4]))
}
tight <- list(tol.opt = 1e-12)
lag <- lagsarlm(formula, data = values, listw = row_standardised, method = "eigen", control = tight)
err <- errorsarlm(formula, data = values, listw = row_standardised, method = "eigen", control = tight)

result <- list(
  generated_by = "tests/reference/spdep/reference.R",
  r_version = R.version.string,
  packages = list(
    spdep = as.character(packageVersion("spdep")),
    spatialreg = as.character(packageVersion("spatialreg")),
    jsonlite = as.character(packageVersion("jsonlite"))
  ),
  weights = "queen contiguity, IslandPolicy() default (connect_to_largest, 1 link per component)",
  n = length(codes),
  global = global,
  local_moran = local,
  knn6 = knn6_results,
  regression = list(
    formula = deparse(formula),
    ols = list(
      coefficients = unname(coef(ols)),
      terms = names(coef(ols)),
      residual_moran = residual_moran,
      lagrange_multiplier = lagrange
    ),
    lag = c(coefficient_table(lag), list(
      rho = unname(lag$rho), rho_se = unname(lag$rho.se), log_likelihood = as.numeric(logLik(lag)),
      aic = AIC(lag), sigma2 = unname(lag$s2)
    )),
    error = c(coefficient_table(err), list(
      lambda = unname(err$lambda), lambda_se = unname(err$lambda.se), log_likelihood = as.numeric(logLik(err)),
      aic = AIC(err), sigma2 = unname(err$s2)
    ))
  )
)

write_json(result, file.path(here, "spdep_results.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
