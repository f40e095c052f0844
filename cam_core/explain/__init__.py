"""Maps from the model: :mod:`.methods` (CAM, the Grad-CAM family, Score-CAM), :mod:`.engine`
(prediction + maps, cached), :mod:`.batching` (many people's passes as one),
:mod:`.zerogpu` (GPU leases on a ZeroGPU Space), :mod:`.render` (maps → pictures),
:mod:`.road` (faithfulness, Rong et al. 2022)."""
