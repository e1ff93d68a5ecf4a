# lme4 on the catalogue of bad mixed-model fits (issue 20), for tests/unit/test_multilevel_bad_fits.py.
#
#   Rscript tests/reference/lme4/bad_fits.R       (from the repository root; writes bad_fits.json)
#
# The data are bad_fits/<case>.csv, written by make_bad_fits.py. Every case is fitted as
#   lmer(trust ~ x + x2 + (1 | group), REML = FALSE)
#   glmer(y ~ x + x2 + (1 | group), binomial, nAGQ = 1 and nAGQ = 10)
# and the zero_slope_variance case also with (1 + x | group). Tolerances as in reference.R (tight optimiser,
# tolPwrss = 1e-13). For each fit the JSON keeps lme4's estimates, isSingular, its convergence messages, every
# warning and message it raised, or the error that stopped it (lme4 refuses some of these designs).
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference/lme4"

lmer_control <- lmerControl(optimizer = "nloptwrap",
                            optCtrl = list(xtol_rel = 1e-12, ftol_rel = 1e-15, ftol_abs = 1e-15, maxeval = 1e5))
glmer_control <- glmerControl(optimizer = "nloptwrap", tolPwrss = 1e-13,
                              optCtrl = list(xtol_rel = 1e-12, ftol_rel = 1e-15, ftol_abs = 1e-15, maxeval = 1e5))

summarise <- function(fit) {
  fixed <- fixef(fit)
  list(
    fixed_effects = as.list(fixed),
    se = as.list(setNames(sqrt(diag(as.matrix(vcov(fit)))), names(fixed))),
    dropped = setdiff(colnames(model.matrix(fit, type = "fixed")), names(fixed)),
    theta = unname(getME(fit, "theta")),
    variances = as.list(setNames(as.data.frame(VarCorr(fit))$vcov, as.data.frame(VarCorr(fit))$var1)),
    logLik = as.numeric(logLik(fit)),
    singular = isSingular(fit),
    convergence_messages = as.list(fit@optinfo$conv$lme4$messages)
  )
}

attempt <- function(expression) {
  caught <- character(0)
  result <- withCallingHandlers(
    tryCatch(summarise(eval(expression)), error = function(e) list(error = conditionMessage(e))),
    warning = function(w) { caught <<- c(caught, conditionMessage(w)); invokeRestart("muffleWarning") },
    message = function(m) { caught <<- c(caught, trimws(conditionMessage(m))); invokeRestart("muffleMessage") })
  c(result, list(warnings = as.list(caught)))
}

cases <- sub("\\.csv$", "", sort(list.files(file.path(here, "bad_fits"), pattern = "\\.csv$")))
fits <- list()
for (case in cases) {
  data <- read.csv(file.path(here, "bad_fits", paste0(case, ".csv")))
  data$group <- factor(data$group)
  re <- "(1 | group)"
  fits[[case]] <- list(
    lmer_ML = attempt(quote(lmer(as.formula(paste("trust ~ x + x2 +", re)), data = data, REML = FALSE,
                                 control = lmer_control))),
    glmer_laplace = attempt(quote(glmer(as.formula(paste("y ~ x + x2 +", re)), data = data, family = binomial,
                                        nAGQ = 1, control = glmer_control))),
    glmer_agq10 = attempt(quote(glmer(as.formula(paste("y ~ x + x2 +", re)), data = data, family = binomial,
                                      nAGQ = 10, control = glmer_control)))
  )
  if (case == "zero_slope_variance") {
    fits[[case]]$lmer_slope_ML <- attempt(quote(lmer(trust ~ x + x2 + (1 + x | group), data = data, REML = FALSE,
                                                     control = lmer_control)))
    fits[[case]]$glmer_slope_laplace <- attempt(quote(glmer(y ~ x + x2 + (1 + x | group), data = data,
                                                            family = binomial, nAGQ = 1, control = glmer_control)))
  }
}

write_json(list(
  generated_by = "tests/reference/lme4/bad_fits.R",
  data = "tests/reference/lme4/bad_fits/*.csv (make_bad_fits.py)",
  R_version = R.version.string,
  lme4_version = as.character(packageVersion("lme4")),
  fits = fits
), file.path(here, "bad_fits.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
