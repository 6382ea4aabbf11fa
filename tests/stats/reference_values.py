"""Published reference values for the statistics tests, each with its source."""

# Newcombe RG (1998a). Two-sided confidence intervals for the single proportion: comparison of
# seven methods. Statistics in Medicine 17:857-872, Table I (Wilson score = method 3, exact
# Clopper-Pearson = method 5).
SINGLE_PROPORTION = [
    # (x, n, wilson_low, wilson_high, cp_low, cp_high)
    (81, 263, 0.2553, 0.3662, 0.2527, 0.3676),
    (15, 148, 0.0624, 0.1605, 0.0578, 0.1617),
    (0, 20, 0.0000, 0.1611, 0.0000, 0.1684),
    (1, 29, 0.0061, 0.1718, 0.0009, 0.1776),
]

# Newcombe RG (1998b). Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Statistics in Medicine 17:873-890, Table II, method 10 (score
# interval for each proportion combined, no continuity correction), examples (a)-(h).
NEWCOMBE_DIFFERENCE = [
    # (x1, n1, x2, n2, low, high)
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
]

# Bickel, Hammel & O'Connell (1975), Science 187:398-404: UC Berkeley graduate admissions 1973,
# six largest departments (R's datasets::UCBAdmissions). Per department:
# (men admitted, men rejected, women admitted, women rejected).
BERKELEY = {
    "A": (512, 313, 89, 19), "B": (353, 207, 17, 8), "C": (120, 205, 202, 391),
    "D": (138, 279, 131, 244), "E": (53, 138, 94, 299), "F": (22, 351, 24, 317),
}
# R 4.x: mantelhaen.test(UCBAdmissions): common odds ratio (men vs women) 0.9046968,
# 95 % CI 0.7719074 - 1.0603298; DescTools::BreslowDayTest(UCBAdmissions): X-squared 18.826,
# df = 5, p-value = 0.002071. Crude: men 44.5 % admitted, women 30.4 %.
BERKELEY_MH_OR = (0.9046968, 0.7719074, 1.0603298)
BERKELEY_BRESLOW_DAY = (18.826, 0.002071)

# Freireich et al. (1963), remission times (weeks) in acute leukaemia, 6-MP vs placebo, as
# analysed in Kleinbaum & Klein, Survival Analysis (3rd ed., 2012), ch. 2 and Cox (1972).
# 0 = censored.
LEUKAEMIA_6MP = [(6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0),
                 (13, 1), (16, 1), (17, 0), (19, 0), (20, 0), (22, 1), (23, 1), (25, 0),
                 (32, 0), (32, 0), (34, 0), (35, 0)]
LEUKAEMIA_PLACEBO = [(t, 1) for t in (1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12,
                                      15, 17, 22, 23)]
# Kaplan-Meier for 6-MP at its event times (Kleinbaum & Klein, Table 2.2).
KM_6MP = {6: 0.8571, 7: 0.8067, 10: 0.7529, 13: 0.6902, 16: 0.6275, 22: 0.5378, 23: 0.4482}
# R survival::survdiff: Chisq = 16.8 on 1 df, p = 4e-05.
LOGRANK_CHI2 = 16.79
# R survival::coxph (Efron ties): placebo vs 6-MP exp(coef) = 4.817, 95 % CI 2.147 - 10.81.
COX_HR = (4.817, 2.147, 10.81)

# Benjamini & Hochberg (1995), JRSS B 57:289-300, section 4: 15 p-values from a study of
# myocardial infarction; at q = 0.05 the BH procedure rejects 4 hypotheses (Bonferroni 3).
BH_PVALUES = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
              0.4262, 0.5719, 0.6528, 0.7590, 1.000]
BH_REJECTED = 4
HOLM_REJECTED = 3  # 0.0095 > 0.05/12 = 0.00417 stops Holm's step-down at the fourth
