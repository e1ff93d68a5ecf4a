# Reference fits for tests/unit/test_panel_plm.py: plm on the committed extract of the real panel (panel.csv).
#
#   Rscript tests/reference/plm/reference.R      (from the repository root; writes plm_results.json)
#
# panel.csv is written by make_data.py (balanced panel TK2017, TK2021, TK2023 on the 2021 boundaries, turnout
# above 1 kept as observed). Coefficient names in the JSON are afgehaakt's term names:
#   "low_education_share:tk2021" is low_education_share x (election == tk2021), "election[tk2021]" the dummy.
# Covariances of the within (two-way fixed-effects) models:
#   vcovHC(method = "arellano", cluster = "group", type = HC0 | HC1 | sss)   one-way, by municipality
#   vcovDC(type = HC0 | HC1 | sss)                                          two-way, municipality and election
# plm's adjustments (vcovG): HC0 none; HC1 n/(n-k); sss G/(G-1) (n-1)/(n-k), with n observations, k slope
# coefficients (the effects are not counted) and G clusters. Random effects: Swamy-Arora ("swar") one-way
# individual effects with election dummies as regressors. Hausman: phtest(within, random) with plm's default
# (unadjusted) vcov of both fits. First differences: model = "fd" without intercept and with the election dummies.
suppressPackageStartupMessages({
  library(plm)
  library(sandwich)
  library(lmtest)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference/plm"
panel <- read.csv(file.path(here, "panel.csv"), colClasses = c(code = "character", election = "character"))
for (e in c("tk2021", "tk2023")) {
  panel[[paste0("d_", e)]] <- as.numeric(panel$election == e)
  panel[[paste0("edu_", e)]] <- panel$low_education_share * panel[[paste0("d_", e)]]
}
pdata <- pdata.frame(panel, index = c("code", "year"))

rename <- function(names) {
  names <- sub("^edu_(tk[0-9]+)$", "low_education_share:\\1", names)
  names <- sub("^d_(tk[0-9]+)$", "election[\\1]", names)
  names <- sub("^\\(Intercept\\)$", "const", names)
  names
}
named <- function(x) as.list(setNames(unname(x), rename(names(x))))
se_of <- function(v) named(sqrt(diag(v)))
matrix_of <- function(v) {
  dimnames(v) <- list(rename(rownames(v)), rename(colnames(v)))
  lapply(seq_len(nrow(v)), function(i) as.list(v[i, ]))
}

gradient <- "edu_tk2021 + edu_tk2023"
fits <- list()
for (outcome in c("turnout", "outsider_share")) {
  for (extra in c("", " + orthodox_protestant_share")) {
    label <- paste0(outcome, if (nzchar(extra)) "_orthodox" else "")
    f_within <- as.formula(paste(outcome, "~", gradient, extra))
    within <- plm(f_within, data = pdata, model = "within", effect = "twoways")
    f_random <- as.formula(paste(outcome, "~ d_tk2021 + d_tk2023 + low_education_share +", gradient, extra))
    random <- plm(f_random, data = pdata, model = "random", effect = "individual", random.method = "swar")
    f_fd <- as.formula(paste(outcome, "~ d_tk2021 + d_tk2023 +", gradient, extra, "- 1"))
    fd <- plm(f_fd, data = pdata, model = "fd")
    entry <- list(
      within = list(
        formula = paste(deparse(f_within), collapse = ""), effect = "twoways",
        coefficients = named(coef(within)),
        se_unadjusted = se_of(vcov(within)),
        vcov_unadjusted = matrix_of(vcov(within)),
        df_residual = df.residual(within),
        se_cluster_group = list(
          HC0 = se_of(vcovHC(within, method = "arellano", type = "HC0", cluster = "group")),
          HC1 = se_of(vcovHC(within, method = "arellano", type = "HC1", cluster = "group")),
          sss = se_of(vcovHC(within, method = "arellano", type = "sss", cluster = "group"))
        ),
        se_double_cluster = list(
          HC0 = se_of(vcovDC(within, type = "HC0")),
          HC1 = se_of(vcovDC(within, type = "HC1")),
          sss = se_of(vcovDC(within, type = "sss"))
        ),
        n_obs = nobs(within)
      ),
      random = list(
        formula = paste(deparse(f_random), collapse = ""), random_method = "swar",
        coefficients = named(coef(random)),
        se_unadjusted = se_of(vcov(random)),
        vcov_unadjusted = matrix_of(vcov(random)),
        sigma2 = as.list(ercomp(random)$sigma2),
        theta = unname(ercomp(random)$theta)[1],
        se_cluster_group = list(
          HC0 = se_of(vcovHC(random, method = "arellano", type = "HC0", cluster = "group")),
          HC1 = se_of(vcovHC(random, method = "arellano", type = "HC1", cluster = "group")),
          sss = se_of(vcovHC(random, method = "arellano", type = "sss", cluster = "group"))
        )
      ),
      fd = list(
        formula = paste(deparse(f_fd), collapse = ""),
        coefficients = named(coef(fd)),
        se_cluster_group = list(
          HC0 = se_of(vcovHC(fd, method = "arellano", type = "HC0", cluster = "group")),
          HC1 = se_of(vcovHC(fd, method = "arellano", type = "HC1", cluster = "group")),
          sss = se_of(vcovHC(fd, method = "arellano", type = "sss", cluster = "group"))
        ),
        n_obs = nobs(fd)
      )
    )
    hausman <- tryCatch({
      h <- phtest(within, random)
      list(statistic = unname(h$statistic), df = unname(h$parameter), p_value = h$p.value, error = NULL)
    }, error = function(err) list(statistic = NULL, df = NULL, p_value = NULL, error = conditionMessage(err)))
    entry$hausman_phtest <- hausman
    # Joint Wald test that both interactions are zero, under the sss clustered covariance (by hand: waldtest
    # cannot drop every regressor of a within model).
    terms <- c("edu_tk2021", "edu_tk2023")
    v_sss <- vcovHC(within, method = "arellano", type = "sss", cluster = "group")[terms, terms]
    b <- coef(within)[terms]
    w <- as.numeric(t(b) %*% solve(v_sss) %*% b)
    entry$wald_interactions_zero_sss <- list(statistic = w, df = length(terms),
                                            p_value = pchisq(w, length(terms), lower.tail = FALSE))
    fits[[label]] <- entry
  }
}

out <- list(
  generated_by = "tests/reference/plm/reference.R",
  R_version = R.version.string,
  plm_version = as.character(packageVersion("plm")),
  sandwich_version = as.character(packageVersion("sandwich")),
  lmtest_version = as.character(packageVersion("lmtest")),
  data = "panel.csv",
  n_entities = length(unique(panel$code)),
  n_periods = length(unique(panel$year)),
  fits = fits
)
write_json(out, file.path(here, "plm_results.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null")
