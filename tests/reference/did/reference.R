## Reference numbers for tests/unit/test_staggered_estimators.py: naive TWFE and the Sun-Abraham saturated
## regression on mpdta, fitted with base R lm() (factor dummies for unit and year effects) and the CRV1
## cluster-robust covariance by county written out by hand:
##   V = c * (X'X)^-1 (sum_g X_g' u_g u_g' X_g) (X'X)^-1,   c = G/(G-1) * (n-1)/(n-k)
## with k = number of estimated coefficients *excluding* the county dummies (they are nested in the clusters,
## fixest's fixef.K = "nested" convention) -- this is the convention pyfixest 0.60 reproduces (checked below).
## Run: Rscript tests/reference/did/reference.R  (writes tests/reference/did/r_results.json); R 4.x, no packages.
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("--file=", "", args[grep("--file=", args)])))
mp <- read.csv(file.path(here, "..", "..", "fixtures", "did", "mpdta.csv"))
mp$g <- mp$first.treat
mp$unit <- factor(mp$countyreal)
mp$yr <- factor(mp$year)
n <- nrow(mp)
G <- length(unique(mp$countyreal))

crv1 <- function(fit, names, k_slopes_and_time) {
  X <- model.matrix(fit)
  u <- residuals(fit)
  bread <- solve(crossprod(X))
  meat_parts <- rowsum(X * u, mp$countyreal)
  meat <- crossprod(meat_parts)
  k <- k_slopes_and_time + 1  # + intercept absorbed with the unit effects: counted once, as fixest does
  V <- bread %*% meat %*% bread * (G / (G - 1)) * ((n - 1) / (n - k))
  list(coef = unname(coef(fit)[names]), se = unname(sqrt(diag(V)[names])))
}

## naive TWFE: lemp on post-treatment dummy + county + year effects
mp$treated <- as.integer(mp$g > 0 & mp$year >= mp$g)
twfe <- lm(lemp ~ treated + unit + yr, data = mp)
n_year <- length(levels(mp$yr)) - 1
twfe_res <- crv1(twfe, "treated", 1 + n_year)

## Sun-Abraham saturated regression: a dummy per treated cohort x event time, except event time -1
cells <- unique(mp[mp$g > 0, c("g", "year")])
cells$e <- cells$year - cells$g
cells <- cells[cells$e != -1, ]
dummy_names <- character(0)
for (i in seq_len(nrow(cells))) {
  nm <- sprintf("d_%d_%d", cells$g[i], cells$e[i] + 10)
  mp[[nm]] <- as.integer(mp$g == cells$g[i] & mp$year - mp$g == cells$e[i])
  dummy_names <- c(dummy_names, nm)
}
sa <- lm(as.formula(paste("lemp ~", paste(dummy_names, collapse = " + "), "+ unit + yr")), data = mp)
sa_res <- crv1(sa, dummy_names, length(dummy_names) + n_year)
sa_table <- data.frame(cohort = cells$g, event_time = cells$e, estimate = sa_res$coef, std_error = sa_res$se)

out <- list(
  r_version = R.version.string,
  n = n, clusters = G,
  twfe = list(estimate = twfe_res$coef, std_error = twfe_res$se),
  sun_abraham_cells = sa_table
)
json_num <- function(x) formatC(x, digits = 17, format = "g")
lines <- c(
  "{",
  sprintf('  "r_version": "%s",', out$r_version),
  sprintf('  "n": %d, "clusters": %d,', n, G),
  sprintf('  "twfe": {"estimate": %s, "std_error": %s},', json_num(twfe_res$coef), json_num(twfe_res$se)),
  '  "sun_abraham_cells": [',
  paste0("    ", sprintf('{"cohort": %d, "event_time": %d, "estimate": %s, "std_error": %s}',
                         sa_table$cohort, sa_table$event_time, json_num(sa_table$estimate),
                         json_num(sa_table$std_error)), collapse = ",\n"),
  "  ]",
  "}"
)
writeLines(lines, file.path(here, "r_results.json"))
cat(lines, sep = "\n")
