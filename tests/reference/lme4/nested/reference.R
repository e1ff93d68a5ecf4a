# Reference fits of the nested linear model (municipalities in regions) for tests/unit/test_nested_lme4.py.
#
#   Rscript tests/reference/lme4/nested/reference.R      (from the repository root; writes lme4_nested.json)
#
# The data sets are written by make_data.py: one with a clear region variance, one without (boundary solution).
# Optimiser tolerances are tightened beyond lme4's defaults so that the reference sits at the optimum.
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference/lme4/nested"
control <- lmerControl(optimizer = "nloptwrap",
                       optCtrl = list(xtol_rel = 1e-12, ftol_rel = 1e-15, ftol_abs = 1e-15, maxeval = 1e5))
formula_text <- "y ~ x + d + (1 | region) + (1 | municipality)"

fits <- list()
for (name in c("with_upper_variance", "without_upper_variance")) {
  data <- read.csv(file.path(here, paste0(name, ".csv")))
  for (reml in c(FALSE, TRUE)) {
    fit <- lmer(as.formula(formula_text), data = data, REML = reml, control = control)
    vc <- as.data.frame(VarCorr(fit))
    label <- paste0(name, if (reml) "_REML" else "_ML")
    fits[[label]] <- list(
      data = paste0(name, ".csv"),
      estimator = if (reml) "REML" else "ML",
      fixed_effects = as.list(fixef(fit)),
      se = as.list(sqrt(diag(as.matrix(vcov(fit))))),
      municipality_variance = vc$vcov[vc$grp == "municipality"],
      region_variance = vc$vcov[vc$grp == "region"],
      residual_variance = sigma(fit)^2,
      theta = unname(getME(fit, "theta")),
      logLik = as.numeric(logLik(fit)),
      singular = isSingular(fit),
      n_obs = nobs(fit)
    )
  }
}
output <- list(generated_by = "tests/reference/lme4/nested/reference.R", formula = formula_text,
               R_version = R.version.string, lme4_version = as.character(packageVersion("lme4")),
               optimizer = "nloptwrap with xtol_rel=1e-12, ftol_rel=1e-15, ftol_abs=1e-15", fits = fits)
writeLines(toJSON(output, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "lme4_nested.json"))
