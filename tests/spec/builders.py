"""Valid requests to start from: each test copies one and breaks exactly one thing."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from trimtab.errors import ValidationError
from trimtab.spec import CreateHyperParameterTuningJobRequest, parse_request

# Reference §3.6: a seq2seq tuning job as boto3 sends it (checked there with botocore).
SEQ2SEQ_BODY = """{"HyperParameterTuningJobName": "s2s-bleu-001",
 "HyperParameterTuningJobConfig": {
   "Strategy": "Bayesian",
   "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:bleu"},
   "ResourceLimits": {"MaxNumberOfTrainingJobs": 20, "MaxParallelTrainingJobs": 2},
   "ParameterRanges": {
     "IntegerParameterRanges": [{"Name": "num_layers_encoder", "MinValue": "1", "MaxValue": "10",
                                 "ScalingType": "Auto"}],
     "ContinuousParameterRanges": [{"Name": "learning_rate", "MinValue": "0.00005",
                                    "MaxValue": "0.2", "ScalingType": "Logarithmic"}],
     "CategoricalParameterRanges": [{"Name": "optimizer_type",
                                     "Values": ["adam", "sgd", "rmsprop"]}]},
   "TrainingJobEarlyStoppingType": "Auto"},
 "TrainingJobDefinition": {
   "StaticHyperParameters": {"bleu_sample_size": "1000", "max_seq_len_source": "60",
                             "max_seq_len_target": "60"},
   "AlgorithmSpecification": {"TrainingImage": "<ecr-registry>/seq2seq:1",
                              "TrainingInputMode": "File"},
   "RoleArn": "arn:aws:iam::000000000000:role/local",
   "InputDataConfig": [
     {"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
      "S3Uri": "s3://data/s2s/train/"}}},
     {"ChannelName": "validation", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
      "S3Uri": "s3://data/s2s/validation/"}}},
     {"ChannelName": "vocab", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
      "S3Uri": "s3://data/s2s/vocab/"}}}],
   "OutputDataConfig": {"S3OutputPath": "s3://out/s2s/"},
   "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50},
   "StoppingCondition": {"MaxRuntimeInSeconds": 86400}}}"""

# What the SageMaker Python SDK sends for a script-mode SKLearn estimator's HyperparameterTuner:
# hyperparameter values JSON-encoded, the sagemaker_* entries of script mode, a framework image.
SDK_SCRIPT_MODE: dict[str, Any] = {
    "HyperParameterTuningJobName": "sagemaker-scikit-lea-240101-1200",
    "HyperParameterTuningJobConfig": {
        "Strategy": "Bayesian",
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 12, "MaxParallelTrainingJobs": 3},
        "TrainingJobEarlyStoppingType": "Off",
        "HyperParameterTuningJobObjective": {
            "Type": "Maximize",
            "MetricName": "validation:accuracy",
        },
        "ParameterRanges": {
            "ContinuousParameterRanges": [
                {
                    "Name": "alpha",
                    "MinValue": "1e-05",
                    "MaxValue": "0.1",
                    "ScalingType": "Logarithmic",
                }
            ],
            "CategoricalParameterRanges": [
                {"Name": "solver", "Values": ['"adam"', '"sgd"']},
                {"Name": "activation", "Values": ['"relu"', '"tanh"', '"logistic"']},
            ],
            "IntegerParameterRanges": [
                {"Name": "hidden-units", "MinValue": "16", "MaxValue": "256", "ScalingType": "Auto"}
            ],
        },
    },
    "TrainingJobDefinition": {
        "StaticHyperParameters": {
            "epochs": "20",
            "sagemaker_submit_directory": '"s3://bucket/src/sourcedir.tar.gz"',
            "sagemaker_program": '"train.py"',
            "sagemaker_container_log_level": "20",
            "sagemaker_job_name": '"sagemaker-scikit-learn-2024-01-01-12-00-00-000"',
            "sagemaker_region": '"us-east-1"',
            "sagemaker_estimator_class_name": '"SKLearn"',
            "sagemaker_estimator_module": '"sagemaker.sklearn.estimator"',
        },
        "AlgorithmSpecification": {
            "TrainingImage": (
                "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
            ),
            "TrainingInputMode": "File",
            "MetricDefinitions": [
                {"Name": "validation:accuracy", "Regex": "validation accuracy: ([0-9\\.]+)"},
                {"Name": "train:loss", "Regex": "loss=([0-9\\.e-]+)"},
            ],
        },
        "RoleArn": "arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole",
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": "s3://bucket/digits/train",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            },
            {
                "ChannelName": "validation",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": "s3://bucket/digits/validation",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            },
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
        "ResourceConfig": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 30,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "EnableNetworkIsolation": False,
        "EnableInterContainerTrafficEncryption": False,
        "EnableManagedSpotTraining": False,
    },
    "Tags": [{"Key": "project", "Value": "digits"}],
}


def seq2seq() -> dict[str, Any]:
    """A fresh copy of the reference §3.6 request, to break."""
    body: dict[str, Any] = json.loads(SEQ2SEQ_BODY)
    return body


def script_mode() -> dict[str, Any]:
    """A fresh copy of the SDK script-mode request, to break."""
    return copy.deepcopy(SDK_SCRIPT_MODE)


def definition(name: str, metric: str = "loss") -> dict[str, Any]:
    """One entry of TrainingJobDefinitions, with its own objective and ranges."""
    single = script_mode()["TrainingJobDefinition"]
    single["AlgorithmSpecification"]["MetricDefinitions"] = [{"Name": metric, "Regex": "l=(.*)"}]
    return {
        "DefinitionName": name,
        "TuningObjective": {"Type": "Minimize", "MetricName": metric},
        "HyperParameterRanges": {
            "IntegerParameterRanges": [{"Name": "depth", "MinValue": "1", "MaxValue": "8"}]
        },
        **single,
    }


def multi() -> dict[str, Any]:
    """A valid multi-algorithm request (two definitions)."""
    body = script_mode()
    del body["TrainingJobDefinition"]
    config = body["HyperParameterTuningJobConfig"]
    del config["HyperParameterTuningJobObjective"], config["ParameterRanges"]
    body["TrainingJobDefinitions"] = [definition("xgb"), definition("mlp", metric="val:loss")]
    return body


def rejects(body: Any, *expected: str) -> str:
    """Assert that `body` is refused with every `expected` fragment in the message."""
    with pytest.raises(ValidationError, match=re.escape(expected[0])) as caught:
        parse_request(body)
    message = caught.value.message
    for fragment in expected[1:]:
        assert fragment in message
    return message


def accepts(body: Any) -> CreateHyperParameterTuningJobRequest:
    return parse_request(body)


DELETE = object()  # `with_member(body, path, DELETE)` removes the member


def with_member(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`body` with the member at the dotted `path` (0-based list indexes) set to `value`."""
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    elif value is DELETE:
        del node[last]
    else:
        node[last] = value
    return body
