// The twelve 2D MedMNIST datasets as data: task, channels, label names, official split sizes and
// licence. Source: medmnist/info.py of medmnist 3.0.2 (the v3 files of Zenodo record 10519652; the
// Organ{A,C,S} splits are a few images smaller than in v2.1). DermaMNIST is CC BY-NC 4.0 there.
import type { SplitName, TaskType } from '@medtransfer/core';

export interface MedmnistInfo {
  flag: string;
  title: string;
  modality: string;
  task: TaskType;
  channels: 1 | 3;
  /** Label names, index = class (or, for ChestMNIST, label column). */
  labels: string[];
  /** Official split sizes (the same for every image size). */
  splits: Record<SplitName, number>;
  license: 'CC BY 4.0' | 'CC BY-NC 4.0';
}

const organLabels = [
  'bladder',
  'femur-left',
  'femur-right',
  'heart',
  'kidney-left',
  'kidney-right',
  'liver',
  'lung-left',
  'lung-right',
  'pancreas',
  'spleen',
];

export const MEDMNIST_INFO: readonly MedmnistInfo[] = [
  {
    flag: 'pathmnist',
    title: 'PathMNIST',
    modality: 'colon pathology',
    task: 'multi-class',
    channels: 3,
    labels: [
      'adipose',
      'background',
      'debris',
      'lymphocytes',
      'mucus',
      'smooth muscle',
      'normal colon mucosa',
      'cancer-associated stroma',
      'colorectal adenocarcinoma epithelium',
    ],
    splits: { train: 89996, val: 10004, test: 7180 },
    license: 'CC BY 4.0',
  },
  {
    flag: 'chestmnist',
    title: 'ChestMNIST',
    modality: 'chest X-ray',
    task: 'multi-label',
    channels: 1,
    labels: [
      'atelectasis',
      'cardiomegaly',
      'effusion',
      'infiltration',
      'mass',
      'nodule',
      'pneumonia',
      'pneumothorax',
      'consolidation',
      'edema',
      'emphysema',
      'fibrosis',
      'pleural',
      'hernia',
    ],
    splits: { train: 78468, val: 11219, test: 22433 },
    license: 'CC BY 4.0',
  },
  {
    flag: 'dermamnist',
    title: 'DermaMNIST',
    modality: 'dermatoscope',
    task: 'multi-class',
    channels: 3,
    labels: [
      'actinic keratoses and intraepithelial carcinoma',
      'basal cell carcinoma',
      'benign keratosis-like lesions',
      'dermatofibroma',
      'melanoma',
      'melanocytic nevi',
      'vascular lesions',
    ],
    splits: { train: 7007, val: 1003, test: 2005 },
    license: 'CC BY-NC 4.0',
  },
  {
    flag: 'octmnist',
    title: 'OCTMNIST',
    modality: 'retinal OCT',
    task: 'multi-class',
    channels: 1,
    labels: ['choroidal neovascularization', 'diabetic macular edema', 'drusen', 'normal'],
    splits: { train: 97477, val: 10832, test: 1000 },
    license: 'CC BY 4.0',
  },
  {
    flag: 'pneumoniamnist',
    title: 'PneumoniaMNIST',
    modality: 'chest X-ray',
    task: 'binary',
    channels: 1,
    labels: ['normal', 'pneumonia'],
    splits: { train: 4708, val: 524, test: 624 },
    license: 'CC BY 4.0',
  },
  {
    flag: 'retinamnist',
    title: 'RetinaMNIST',
    modality: 'fundus camera',
    task: 'ordinal',
    channels: 3,
    labels: ['0', '1', '2', '3', '4'],
    splits: { train: 1080, val: 120, test: 400 },
    license: 'CC BY 4.0',
  },
  {
    flag: 'breastmnist',
    title: 'BreastMNIST',
    modality: 'breast ultrasound',
    task: 'binary',
    channels: 1,
    labels: ['malignant', 'normal, benign'],
    splits: { train: 546, val: 78, test: 156 },
    license: 'CC BY 4.0',
  },
  {
    flag: 'bloodmnist',
    title: 'BloodMNIST',
    modality: 'blood cell microscope',
    task: 'multi-class',
    channels: 3,
    labels: [
      'basophil',
      'eosinophil',
      'erythroblast',
      'immature granulocytes (myelocytes, metamyelocytes and promyelocytes)',
      'lymphocyte',
      'monocyte',
      'neutrophil',
      'platelet',
    ],
    splits: { train: 11959, val: 1712, test: 3421 },
    license: 'CC BY 4.0',
  },
  {
    flag: 'tissuemnist',
    title: 'TissueMNIST',
    modality: 'kidney cortex microscope',
    task: 'multi-class',
    channels: 1,
    labels: [
      'collecting duct, connecting tubule',
      'distal convoluted tubule',
      'glomerular endothelial cells',
      'interstitial endothelial cells',
      'leukocytes',
      'podocytes',
      'proximal tubule segments',
      'thick ascending limb',
    ],
    splits: { train: 165466, val: 23640, test: 47280 },
    license: 'CC BY 4.0',
  },
  {
    flag: 'organamnist',
    title: 'OrganAMNIST',
    modality: 'abdominal CT (axial)',
    task: 'multi-class',
    channels: 1,
    labels: organLabels,
    splits: { train: 34561, val: 6491, test: 17778 },
    license: 'CC BY 4.0',
  },
  {
    flag: 'organcmnist',
    title: 'OrganCMNIST',
    modality: 'abdominal CT (coronal)',
    task: 'multi-class',
    channels: 1,
    labels: organLabels,
    splits: { train: 12975, val: 2392, test: 8216 },
    license: 'CC BY 4.0',
  },
  {
    flag: 'organsmnist',
    title: 'OrganSMNIST',
    modality: 'abdominal CT (sagittal)',
    task: 'multi-class',
    channels: 1,
    labels: organLabels,
    splits: { train: 13932, val: 2452, test: 8827 },
    license: 'CC BY 4.0',
  },
];

export const MEDMNIST_FLAGS: readonly string[] = MEDMNIST_INFO.map((i) => i.flag);

/** Image sizes of the official files: `{flag}.npz` is 28 px, the others are `{flag}_{size}.npz`. */
export const MEDMNIST_SIZES = [28, 64, 128, 224] as const;

export const MEDMNIST_ZENODO = 'https://zenodo.org/records/10519652';

export function medmnistInfo(flag: string): MedmnistInfo | undefined {
  return MEDMNIST_INFO.find((i) => i.flag === flag);
}
