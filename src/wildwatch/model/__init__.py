"""The learned classifier beside the keyword rules (no Django; scikit-learn for training only).

* :mod:`.features`: char n-gram TF-IDF of the engine's normalised text, in numpy;
* :mod:`.artefact`: :class:`Model`, the JSON artefact (data, never code) and its validation;
* :mod:`.combine`: how the model's probability combines with the rules' verdict;
* :mod:`.train`: training and the thresholds chosen by cross-validation (imports scikit-learn);
* :mod:`.evaluate`: rules alone against rules and model, cross-validated or across data sets.
"""

from .artefact import Model, ModelError, load_model, model_from_dict
from .combine import Thresholds

__all__ = ["Model", "ModelError", "Thresholds", "load_model", "model_from_dict"]
