# Reference fits for tests/unit/test_multilevel_lme4.py: lme4 on the committed synthetic survey.csv.
#
#   Rscript tests/reference/lme4/reference.R      (from the repository root; writes lme4_results.json)
#
# survey.csv is made by make_data.py (fixed seeds). Optimiser tolerances are tightened beyond lme4's defaults so
# that the reference sits at the optimum to far better than the 1e-4 the tests ask for. For glmer this includes
# tolPwrss (the PIRLS convergence tolerance for the conditional modes, default 1e-7): at the default, the Laplace
# log-likelihood is evaluated at inexact modes and is off by ~3e-3 with estimates off by ~5e-4 relative (adaptive
# quadrature is insensitive to the centring and is not affected). One Laplace fit at lme4's defaults is kept as
# "glmer_full_laplace_lme4_defaults" to document that. Municipality codes are read as text (leading zeros).
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference/lme4"
survey <- read.csv(file.path(here, "survey.csv"), colClasses = c(municipality = "character", province = "character"))

individual <- "edu_low + edu_middle + low_income + poor_health + age10 + female"
full <- paste(individual, "+ stacked_disadvantage + edu_low:stacked_disadvantage")

lmer_control <- lmerControl(optimizer = "nloptwrap",
                            optCtrl = list(xtol_rel = 1e-12, ftol_rel = 1e-15, ftol_abs = 1e-15, maxeval = 1e5))
glmer_control <- glmerControl(optimizer = "nloptwrap", tolPwrss = 1e-13,
                              optCtrl = list(xtol_rel = 1e-12, ftol_rel = 1e-15, ftol_abs = 1e-15, maxeval = 1e5))

summarise <- function(fit, label, formula_text, estimator) {
  vc <- as.data.frame(VarCorr(fit))
  fixed <- fixef(fit)
  se <- sqrt(diag(as.matrix(vcov(fit))))
  list(
    label = label,
    formula = formula_text,
    estimator = estimator,
    nAGQ = if (isGLMM(fit)) fit@devcomp$dims[["nAGQ"]] else NA,
    fixed_effects = as.list(setNames(unname(fixed), names(fixed))),
    se = as.list(setNames(unname(se), names(fixed))),
    variance_components = lapply(seq_len(nrow(vc)), function(i) list(
      grp = vc$grp[i], var1 = vc$var1[i], var2 = if (is.na(vc$var2[i])) NULL else vc$var2[i],
      vcov = vc$vcov[i], sdcor = vc$sdcor[i])),
    theta = unname(getME(fit, "theta")),
    sigma = sigma(fit),
    logLik = as.numeric(logLik(fit)),
    df = attr(logLik(fit), "df"),
    AIC = AIC(fit),
    BIC = BIC(fit),
    deviance = if (isREML(fit)) NA else deviance(fit),
    REML_criterion = if (isREML(fit)) unname(fit@devcomp$cmp[["REML"]]) else NA,
    singular = isSingular(fit),
    n_obs = nobs(fit),
    n_groups = unname(ngrps(fit))
  )
}

fits <- list()
add_lmer <- function(label, rhs, reml) {
  formula_text <- paste("trust ~", rhs)
  fit <- lmer(as.formula(formula_text), data = survey, REML = reml, control = lmer_control)
  fits[[label]] <<- summarise(fit, label, formula_text, if (reml) "REML" else "ML")
}
add_glmer <- function(label, rhs, nAGQ, control = glmer_control) {
  formula_text <- paste("turnout ~", rhs)
  fit <- glmer(as.formula(formula_text), data = survey, family = binomial, nAGQ = nAGQ, control = control)
  fits[[label]] <<- summarise(fit, label, formula_text, if (nAGQ == 1) "ML Laplace" else paste0("ML AGQ", nAGQ))
}

add_lmer("lmer_null_REML", "1 + (1 | municipality)", TRUE)
add_lmer("lmer_null_ML", "1 + (1 | municipality)", FALSE)
add_lmer("lmer_full_REML", paste(full, "+ (1 | municipality)"), TRUE)
add_lmer("lmer_full_ML", paste(full, "+ (1 | municipality)"), FALSE)
add_lmer("lmer_slope_ML", paste(full, "+ (1 + edu_low | municipality)"), FALSE)
# Municipalities nested in provinces (municipality codes are unique across provinces).
add_lmer("lmer_nested_ML", paste(full, "+ (1 | province) + (1 | municipality)"), FALSE)
add_lmer("lmer_nested_REML", paste(full, "+ (1 | province) + (1 | municipality)"), TRUE)
add_glmer("glmer_null_laplace", "1 + (1 | municipality)", 1)
add_glmer("glmer_full_laplace", paste(full, "+ (1 | municipality)"), 1)
add_glmer("glmer_full_laplace_lme4_defaults", paste(full, "+ (1 | municipality)"), 1, glmerControl())
add_glmer("glmer_full_agq10", paste(full, "+ (1 | municipality)"), 10)
add_glmer("glmer_full_agq25", paste(full, "+ (1 | municipality)"), 25)
add_glmer("glmer_slope_laplace", paste(full, "+ (1 + edu_low | municipality)"), 1)

output <- list(
  generated_by = "tests/reference/lme4/reference.R",
  data = "tests/reference/lme4/survey.csv",
  synthetic = TRUE,
  R_version = R.version.string,
  lme4_version = as.character(packageVersion("lme4")),
  Matrix_version = as.character(packageVersion("Matrix")),
  optimizer = "nloptwrap with xtol_rel=1e-12, ftol_rel=1e-15, ftol_abs=1e-15; glmer tolPwrss=1e-13",
  fits = fits
)
writeLines(toJSON(output, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null", na = "null"),
           file.path(here, "lme4_results.json"))
